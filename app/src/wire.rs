//! How data crosses to the browser: server-function answers and the resources' hydration
//! data are postcard, a compact binary form of serde. Its decoder per type is a plain
//! sequence of fields, a fraction of the code serde_json needs per type in the wasm client.

use leptos::prelude::Resource;
use serde::{de::DeserializeOwned, Serialize};
use std::future::Future;

pub use codee::binary::PostcardCodec as Codec;

/// A resource whose value travels as postcard.
pub type Res<T> = Resource<T, Codec>;

/// `Resource::new`, with the postcard codec.
pub fn resource<T, S, Fut>(
    source: impl Fn() -> S + Send + Sync + 'static,
    fetcher: impl Fn(S) -> Fut + Send + Sync + 'static,
) -> Res<T>
where
    T: Serialize + DeserializeOwned + Send + Sync + 'static,
    S: PartialEq + Clone + Send + Sync + 'static,
    Fut: Future<Output = T> + Send + 'static,
{
    Resource::new_with_options(source, fetcher, false)
}

/// Reads a postcard answer back: the server's status mapping and the tests use it.
pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Option<T> {
    postcard::from_bytes(bytes).ok()
}

/// Writes a value as postcard: what the server sends for an error it answers itself.
pub fn encode<T: Serialize>(value: &T) -> Vec<u8> {
    postcard::to_allocvec(value).unwrap_or_default()
}
