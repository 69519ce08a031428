//! The HTTP surface: pages, server functions, assets, health, and the middleware around
//! them (request ids, tracing, compression, the session lookup, cross-site refusal).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use app::auth::model::CurrentUser;
use app::auth::session::{token_from_headers, user_for_token, ServerContext};
use app::{shell, App, AssetPaths};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use http::{header, HeaderValue, Method, StatusCode};
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};
use tower_http::compression::{CompressionLayer, CompressionLevel};
use tower_http::request_id::{MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer};
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

use crate::assets;

const IMMUTABLE: &str = "public, max-age=31536000, immutable";

#[derive(Clone)]
struct RouterState {
    leptos: LeptosOptions,
    context: ServerContext,
}

impl axum::extract::FromRef<RouterState> for LeptosOptions {
    fn from_ref(state: &RouterState) -> LeptosOptions {
        state.leptos.clone()
    }
}

/// Builds the whole application router around `context`.
pub fn build(context: ServerContext, site_root: &std::path::Path) -> Router {
    let pkg_dir = site_root.join("pkg");
    let build_tag = assets::client_build_tag(&pkg_dir).unwrap_or_else(|| {
        tracing::warn!(path = %pkg_dir.display(), "the wasm client is not built: pages will render but not hydrate");
        "missing".to_string()
    });
    let site_pkg_dir = format!("pkg/{build_tag}");
    let leptos = LeptosOptions::builder()
        .output_name("frontend")
        .site_root(site_root.display().to_string())
        .site_pkg_dir(site_pkg_dir.clone())
        .hash_files(false)
        .build();
    let asset_paths = AssetPaths {
        stylesheet: assets::stylesheet_path(),
    };
    let routes = generate_route_list(App);

    let chunk_files = assets::chunk_files(&pkg_dir);
    let provide = {
        let context = context.clone();
        let leptos = leptos.clone();
        move || {
            provide_context(context.clone());
            provide_context(leptos.clone());
            provide_context(chunk_files.clone());
        }
    };
    let app_shell = {
        let leptos = leptos.clone();
        let asset_paths = asset_paths.clone();
        move || shell(leptos.clone(), asset_paths.clone())
    };
    let fallback = leptos_axum::render_app_to_stream_with_context(provide.clone(), app_shell.clone());
    let server_fns = {
        let provide = provide.clone();
        move |request: Request| leptos_axum::handle_server_fns_with_context(provide.clone(), request)
    };

    let static_files = Router::new()
        .nest_service(
            &format!("/{site_pkg_dir}"),
            ServeDir::new(&pkg_dir).precompressed_br().precompressed_gzip(),
        )
        .route(&asset_paths.stylesheet, get(stylesheet))
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static(IMMUTABLE),
        ));

    let state = RouterState {
        leptos: leptos.clone(),
        context: context.clone(),
    };
    let pages = Router::new()
        .route("/api/{*fn_name}", get(server_fns.clone()).post(server_fns))
        .leptos_routes_with_context(&state, routes, provide, app_shell)
        .fallback(move |request: Request| fallback(request))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-cache"),
        ))
        .layer(middleware::from_fn(transport_errors_are_bad_requests))
        .layer(middleware::from_fn_with_state(state.clone(), session_gate));

    Router::new()
        .merge(static_files)
        .route("/healthz", get(healthz))
        .route("/favicon.svg", get(favicon))
        .merge(pages)
        .layer(middleware::from_fn(refuse_cross_site))
        .layer(
            CompressionLayer::new()
                .br(true)
                .gzip(true)
                .quality(CompressionLevel::Fastest),
        )
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(TraceLayer::new_for_http().make_span_with(|request: &Request| {
            let id = request
                .headers()
                .get("x-request-id")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("-")
                .to_string();
            tracing::info_span!("request", method = %request.method(), path = %request.uri().path(), request_id = %id)
        }))
        .layer(SetRequestIdLayer::x_request_id(RequestIds::default()))
        .with_state(state)
}

/// Request ids: a random prefix per process and a counter, cheap and unique enough to
/// find one request's lines in the logs of several instances.
#[derive(Clone)]
struct RequestIds {
    prefix: Arc<str>,
    next: Arc<AtomicU64>,
}

impl Default for RequestIds {
    fn default() -> Self {
        let prefix = app_id_prefix();
        RequestIds {
            prefix: prefix.into(),
            next: Arc::new(AtomicU64::new(1)),
        }
    }
}

fn app_id_prefix() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 4];
    rand::thread_rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

impl MakeRequestId for RequestIds {
    fn make_request_id<B>(&mut self, _: &http::Request<B>) -> Option<RequestId> {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        HeaderValue::from_str(&format!("{}-{n}", self.prefix))
            .ok()
            .map(RequestId::new)
    }
}

async fn stylesheet() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], assets::STYLESHEET)
}

async fn favicon() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        assets::FAVICON,
    )
}

/// For load balancers: 200 when the database answers, 503 when it does not.
async fn healthz(State(state): State<RouterState>) -> Response {
    match state.context.db.ping().await {
        Ok(()) => (StatusCode::OK, "ok").into_response(),
        Err(error) => {
            tracing::error!(%error, "health check: database unavailable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
        }
    }
}

/// Arguments that do not decode never reach our code, so the server-function layer
/// answers them with 500; they are the caller's mistake, so say 400 (the typed body stays).
async fn transport_errors_are_bad_requests(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    if response.status() != StatusCode::INTERNAL_SERVER_ERROR {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 1024 * 1024).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    if matches!(app::wire::decode(&bytes), Some(app::error::AppError::Transport(_))) {
        parts.status = StatusCode::BAD_REQUEST;
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// Paths anyone may load without a session.
fn is_public_page(path: &str) -> bool {
    path == "/login"
}

/// Looks the session up once per request (handing the user to server functions through
/// the request's extensions) and sends visitors without one to the login page, keeping
/// where they were going.
async fn session_gate(State(state): State<RouterState>, mut request: Request, next: Next) -> Response {
    let user = match token_from_headers(request.headers()) {
        Some(token) => match user_for_token(&state.context, &token).await {
            Ok(user) => user,
            Err(_) => {
                return (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "The service is temporarily unavailable.",
                )
                    .into_response()
            }
        },
        None => None,
    };
    let path = request.uri().path().to_string();
    let is_page = request.method() == Method::GET && !path.starts_with("/api/");
    match (&user, is_page) {
        (None, true) if !is_public_page(&path) => {
            let target = request.uri().path_and_query().map(|p| p.as_str()).unwrap_or("/");
            return redirect(&app::auth::model::login_path_for(target));
        }
        (Some(_), true) if is_public_page(&path) => return redirect("/"),
        _ => {}
    }
    if let Some(user) = user {
        request.extensions_mut().insert::<CurrentUser>(user);
    }
    next.run(request).await
}

fn redirect(location: &str) -> Response {
    Response::builder()
        .status(StatusCode::SEE_OTHER)
        .header(header::LOCATION, location)
        .header(header::CACHE_CONTROL, "no-store")
        .body(Body::empty())
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

/// Refuses state-changing requests a browser sends from another site: cookies would
/// ride along (a cross-site form post), so the Origin must be ours.
async fn refuse_cross_site(request: Request, next: Next) -> Response {
    if matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(request).await;
    }
    let headers = request.headers();
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok());
    let fetch_site = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok());
    let same_origin = match origin {
        Some(origin) => {
            let origin_host = origin.split_once("://").map(|(_, rest)| rest.trim_end_matches('/'));
            origin_host.is_some() && origin_host == host
        }
        // Browsers always send Origin on cross-site POSTs; without one, fall back to
        // Fetch Metadata, and let non-browser clients (no cookies by ambient authority) through.
        None => !matches!(fetch_site, Some("cross-site" | "same-site")),
    };
    if !same_origin {
        tracing::warn!(?origin, ?host, "refused a cross-site request");
        return (StatusCode::FORBIDDEN, "Cross-site requests are refused.").into_response();
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_login_page_is_public() {
        assert!(is_public_page("/login"));
        assert!(!is_public_page("/"));
        assert!(!is_public_page("/admin/users"));
    }
}
