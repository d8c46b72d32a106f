//! The dashboard: the single-page app built from `ui/` into `ui/dist`,
//! embedded in the binary (read from disk in debug builds, so a rebuilt
//! dashboard needs no rebuilt server), served at `/ui/`. Its files need no
//! token: the page asks for one and sends it with every API call. The
//! headers keep the page to its own origin: no inline script, no frames.

use axum::Router;
use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;

/// The built dashboard.
#[derive(rust_embed::Embed)]
#[folder = "ui/dist"]
struct Dashboard;

/// What the dashboard's page may load and reach: its own origin only.
const CSP: &str = "default-src 'self'; connect-src 'self'; img-src 'self' data:; \
    style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; \
    frame-ancestors 'none'; form-action 'self'";

/// The dashboard's routes (outside the API's auth guard and contract).
pub(super) fn routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route("/ui", get(|| async { Redirect::permanent("/ui/") }))
        .route("/ui/", get(|| async { file("index.html") }))
        .route(
            "/ui/{*path}",
            get(|Path(path): Path<String>| async move { file(&path) }),
        )
}

/// One file of the dashboard, or 404.
fn file(path: &str) -> Response {
    let Some(f) = Dashboard::get(path) else {
        return (StatusCode::NOT_FOUND, "no such file of the dashboard").into_response();
    };
    let mime = f.metadata.mimetype();
    // Built assets carry their content's hash in their names; the page
    // itself is asked for again each time, so a new build shows at once.
    let cache = match path.starts_with("assets/") {
        true => "public, max-age=31536000, immutable",
        false => "no-cache",
    };
    let mut r = (StatusCode::OK, f.data.into_owned()).into_response();
    let h = r.headers_mut();
    if let Ok(v) = HeaderValue::from_str(mime) {
        h.insert(header::CONTENT_TYPE, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    r
}
