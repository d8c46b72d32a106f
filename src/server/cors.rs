//! Cross-origin access for browsers: which origins may call REST, SSE and
//! gRPC-Web (`CORS_ALLOWED_ORIGINS`; none by default, so a page on another
//! origin gets nothing until the operator names it).

use std::time::Duration;

use axum::http::{HeaderName, HeaderValue, Method};
use tower_http::cors::{AllowOrigin, CorsLayer};

/// Request headers a browser client sends: the bearer token, the body's
/// type, gRPC-Web's own, and the SSE resume header.
const ALLOWED: [&str; 7] = [
    "authorization",
    "content-type",
    "x-grpc-web",
    "x-user-agent",
    "grpc-timeout",
    "last-event-id",
    "connect-protocol-version",
];

/// Response headers a browser client must read: gRPC-Web carries the
/// outcome of a call in the first three; a created resource's address is
/// in the last.
const EXPOSED: [&str; 4] = [
    "grpc-status",
    "grpc-message",
    "grpc-status-details-bin",
    "location",
];

/// The CORS layer for `origins` (already checked by the configuration);
/// None when no origin is allowed, so that no CORS header is ever sent.
pub fn layer(origins: &[String]) -> Option<CorsLayer> {
    if origins.is_empty() {
        return None;
    }
    let allow = if origins.iter().any(|o| o == "*") {
        AllowOrigin::any()
    } else {
        AllowOrigin::list(origins.iter().filter_map(|o| HeaderValue::from_str(o).ok()))
    };
    Some(
        CorsLayer::new()
            .allow_origin(allow)
            .allow_methods([
                Method::GET,
                Method::POST,
                Method::PUT,
                Method::DELETE,
                Method::OPTIONS,
            ])
            .allow_headers(ALLOWED.map(HeaderName::from_static))
            .expose_headers(EXPOSED.map(HeaderName::from_static))
            .max_age(Duration::from_secs(3600)),
    )
}
