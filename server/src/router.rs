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

/// The largest request a server function takes. Each field has its own, smaller limit
/// (`app::limits`), whose message is more useful; this one bounds what is read at all.
const MAX_REQUEST_BYTES: usize = 2 * 1024 * 1024;

#[derive(Clone)]
struct RouterState {
    leptos: LeptosOptions,
    context: ServerContext,
    origins: Arc<Origins>,
}

/// Where browsers reach this server: the configured public origins, if any.
#[derive(Debug, Default)]
struct Origins {
    public: Vec<String>,
    trust_proxy: bool,
}

impl axum::extract::FromRef<RouterState> for ServerContext {
    fn from_ref(state: &RouterState) -> ServerContext {
        state.context.clone()
    }
}

impl axum::extract::FromRef<RouterState> for LeptosOptions {
    fn from_ref(state: &RouterState) -> LeptosOptions {
        state.leptos.clone()
    }
}

/// Builds the whole application router around `context`.
pub fn build(context: ServerContext, config: &crate::Config) -> Router {
    let site_root = config.site_root.as_path();
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
        origins: Arc::new(Origins {
            public: config.public_origins.clone(),
            trust_proxy: config.trust_proxy,
        }),
    };
    let pages = Router::new()
        .route("/api/{*fn_name}", get(server_fns.clone()).post(server_fns))
        .leptos_routes_with_context(&state, routes, provide, app_shell)
        .fallback(move |request: Request| fallback(request))
        // Pages and answers carry one user's data: never kept by a shared cache, nor
        // written to disk by the browser (the back button refetches).
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("private, no-store"),
        ))
        .layer(middleware::from_fn(transport_errors_are_bad_requests))
        // On the whole router: Leptos registers a route of its own per server function.
        // The size server functions read a body up to (a body without a length, chunked,
        // is cut off there), and a declared length over it refused before any reading.
        .layer(axum::extract::DefaultBodyLimit::max(MAX_REQUEST_BYTES))
        .layer(middleware::from_fn(refuse_oversized_requests))
        .layer(middleware::from_fn_with_state(state.clone(), session_gate))
        .layer(middleware::from_fn_with_state(state.clone(), client_address));

    // Attachments: their own size limit (the reply's, checked while the body streams in),
    // behind the same session lookup as pages.
    let files = Router::new()
        .route(
            app::conversations::attachments::FILES_PATH,
            axum::routing::post(crate::files::upload),
        )
        .route(
            &format!("{}/{{id}}", app::conversations::attachments::FILES_PATH),
            get(crate::files::download),
        )
        .route(
            &format!("{}/{{id}}/inline", app::conversations::attachments::FILES_PATH),
            get(crate::files::inline),
        )
        .route("/messages/{id}/original", get(crate::files::original))
        .route("/admin/failed-imports/{id}/original", get(crate::files::failed_import))
        .layer(axum::extract::DefaultBodyLimit::disable())
        .layer(middleware::from_fn_with_state(state.clone(), session_gate))
        .layer(middleware::from_fn_with_state(state.clone(), client_address));

    // Incoming mail posted by a mail server or a provider's webhook: no session, the
    // address's own token instead; a raw message up to the import limit.
    let inbound = Router::new()
        .route("/inbound/email/{channel}", axum::routing::post(crate::inbound::receive))
        .layer(axum::extract::DefaultBodyLimit::max(
            app::channels::email::incoming::MAX_RAW_BYTES,
        ));

    Router::new()
        .merge(static_files)
        .merge(files)
        .merge(inbound)
        .route(
            app::conversations::html::REMOTE_IMAGE_PATH,
            get(crate::inbound::remote_image),
        )
        .route("/healthz", get(healthz))
        .route("/favicon.svg", get(favicon))
        .merge(pages)
        .layer(middleware::from_fn_with_state(state.clone(), refuse_cross_site))
        .layer(middleware::from_fn_with_state(state.clone(), security_headers))
        // Pages and answers are compressed with gzip: brotli, even at its fastest, took 4 ms
        // of a 100 KB ticket page (its 4 MB window set up per response) against under 0.5 ms
        // for gzip, for 15 % fewer bytes. The wasm and other static files are served
        // brotli-compressed ahead of time (`ServeDir::precompressed_br`).
        .layer(
            CompressionLayer::new()
                .br(false)
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
        .layer(middleware::from_fn(replace_incoming_request_id))
        .with_state(state)
}

/// A client's own `x-request-id` would be trusted as ours by the id layer (it only sets
/// one when missing), letting a caller forge or collide with log lines; ours replaces it.
async fn replace_incoming_request_id(mut request: Request, next: Next) -> Response {
    request.headers_mut().remove("x-request-id");
    next.run(request).await
}

/// Headers every response carries: the default Content-Security-Policy (pages set their
/// own with a nonce, `app::security`), no MIME sniffing, no framing, referrers only to
/// ourselves, and HSTS when the request came over https.
async fn security_headers(State(state): State<RouterState>, request: Request, next: Next) -> Response {
    let https = is_https_request(&request, &state.origins);
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        if let Ok(value) = HeaderValue::from_str(&app::security::content_security_policy(None)) {
            headers.insert(header::CONTENT_SECURITY_POLICY, value);
        }
    }
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    if https {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    response
}

fn is_https_request(request: &Request, origins: &Origins) -> bool {
    request.uri().scheme_str() == Some("https")
        || ((origins.trust_proxy || !origins.public.is_empty())
            && request
                .headers()
                .get("x-forwarded-proto")
                .and_then(|value| value.to_str().ok())
                .is_some_and(|proto| proto.eq_ignore_ascii_case("https")))
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

/// Notes who is calling (`ClientAddress`) for the login limits: the peer, or behind a
/// trusted proxy the address it appended last to `X-Forwarded-For` (earlier entries are
/// whatever the client claimed).
async fn client_address(State(state): State<RouterState>, mut request: Request, next: Next) -> Response {
    let peer = request
        .extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|info| info.0.ip());
    let forwarded = state
        .origins
        .trust_proxy
        .then(|| {
            request
                .headers()
                .get_all("x-forwarded-for")
                .iter()
                .filter_map(|value| value.to_str().ok())
                .flat_map(|value| value.split(','))
                .next_back()
                .and_then(|last| last.trim().parse::<std::net::IpAddr>().ok())
        })
        .flatten();
    if let Some(address) = forwarded.or(peer) {
        request
            .extensions_mut()
            .insert(app::auth::throttle::ClientAddress(address));
    }
    next.run(request).await
}

/// A request whose declared length is over [`MAX_REQUEST_BYTES`] is answered at once,
/// with the typed error the client shows (the body is never read).
async fn refuse_oversized_requests(request: Request, next: Next) -> Response {
    let length = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if length.is_some_and(|length| length > MAX_REQUEST_BYTES as u64) {
        let error = app::error::AppError::validation(
            "request",
            "This is too much to send at once (at most 2 MB). Shorten the text and try again.",
        );
        return (StatusCode::PAYLOAD_TOO_LARGE, app::wire::encode(&error)).into_response();
    }
    next.run(request).await
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
            return redirect(&app::kit::login_path_for(target));
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

/// The host (and port) a request is addressed to: the `Host` header, or the URI's
/// authority over HTTP/2, lower-cased.
fn request_host(request: &Request) -> Option<String> {
    request
        .headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        .or_else(|| request.uri().authority().map(|a| a.as_str().to_string()))
        .map(|host| host.to_ascii_lowercase())
}

/// Whether `host` (`name[:port]`) names this server: one of the public origins' hosts,
/// or an IP address or `localhost`, which no other site's DNS can point at us. A page
/// on `evil.example` whose name was rebound to our address sends `Host: evil.example`.
fn is_known_host(host: &str, origins: &Origins) -> bool {
    if origins
        .public
        .iter()
        .any(|origin| origin.split_once("://").is_some_and(|(_, h)| h == host))
    {
        return true;
    }
    let name = match host.strip_prefix('[') {
        Some(rest) => {
            return rest
                .split_once(']')
                .is_some_and(|(ip, _)| ip.parse::<std::net::Ipv6Addr>().is_ok())
        }
        None => host
            .rsplit_once(':')
            .map(|(name, port)| {
                if port.bytes().all(|b| b.is_ascii_digit()) {
                    name
                } else {
                    host
                }
            })
            .unwrap_or(host),
    };
    name == "localhost" || name.parse::<std::net::Ipv4Addr>().is_ok()
}

/// Whether `origin` is one browsers reach us at: a configured public origin, or, with
/// none configured, the origin of the host the request was sent to.
fn is_our_origin(origin: &str, host: Option<&str>, origins: &Origins) -> bool {
    let origin = origin.trim_end_matches('/').to_ascii_lowercase();
    if !origins.public.is_empty() {
        return origins.public.contains(&origin);
    }
    let origin_host = origin.split_once("://").map(|(_, rest)| rest);
    origin_host.is_some() && origin_host == host
}

/// Refuses requests addressed to a host that is not ours (DNS rebinding), and
/// state-changing requests a browser sends from another site: cookies would ride along
/// (a cross-site form post), so the Origin must be ours.
async fn refuse_cross_site(State(state): State<RouterState>, request: Request, next: Next) -> Response {
    let host = request_host(&request);
    if !host.as_deref().is_some_and(|host| is_known_host(host, &state.origins)) {
        tracing::warn!(?host, "refused a request for an unknown host");
        return (
            StatusCode::MISDIRECTED_REQUEST,
            "This server does not answer for that host name.",
        )
            .into_response();
    }
    if matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(request).await;
    }
    let headers = request.headers();
    let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok());
    let fetch_site = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok());
    let same_origin = match origin {
        Some(origin) => is_our_origin(origin, host.as_deref(), &state.origins),
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

    #[test]
    fn only_our_host_names_and_addresses_are_answered() {
        let none = Origins::default();
        for host in [
            "127.0.0.1:3000",
            "localhost:3000",
            "localhost",
            "10.1.2.3",
            "[::1]:3000",
        ] {
            assert!(is_known_host(host, &none), "{host}");
        }
        for host in [
            "evil.example",
            "evil.example:3000",
            "127.0.0.1.evil.example",
            "[evil]:80",
            "",
        ] {
            assert!(!is_known_host(host, &none), "{host}");
        }
        let configured = Origins {
            public: vec!["https://help.example.com".into()],
            trust_proxy: false,
        };
        assert!(is_known_host("help.example.com", &configured));
        assert!(!is_known_host("help.example.com.evil", &configured));
    }

    #[test]
    fn the_origin_must_be_a_public_one_when_they_are_configured() {
        let configured = Origins {
            public: vec!["https://help.example.com".into()],
            trust_proxy: true,
        };
        // Behind a proxy the Host may be the proxy's view; the configured origin decides.
        assert!(is_our_origin(
            "https://help.example.com",
            Some("10.0.0.5:3000"),
            &configured
        ));
        assert!(!is_our_origin(
            "http://help.example.com",
            Some("help.example.com"),
            &configured
        ));
        assert!(!is_our_origin(
            "https://10.0.0.5:3000",
            Some("10.0.0.5:3000"),
            &configured
        ));
        let none = Origins::default();
        assert!(is_our_origin("http://127.0.0.1:3000", Some("127.0.0.1:3000"), &none));
        assert!(!is_our_origin("http://127.0.0.1:3001", Some("127.0.0.1:3000"), &none));
    }
}
