//! The REST side: a route layer that finds the matched route's row of the
//! table, reads the `Authorization` header (and, for the SSE stream only,
//! `?access_token=`, since browsers' EventSource cannot set headers), and
//! hands the caller's `Identity` to the handler as an extension.

use std::sync::Arc;

use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::{AuthError, Authenticator, Rule, permissions};
use crate::server::rest::HttpError;
use crate::server::tls::Peer;

/// The routes whose token may come in the query string: the SSE streams,
/// which browsers' EventSource opens without headers.
const STREAM_ROUTES: [&str; 2] = ["/v1/executions/{id}/events", "/v1/executions/stream"];

/// Admits or refuses a request to a matched route.
pub async fn guard(
    State(auth): State<Arc<Authenticator>>,
    route: Option<MatchedPath>,
    mut request: Request,
    next: Next,
) -> Response {
    let route = route.as_ref().map_or("", |r| r.as_str());
    let method = match request.method() {
        // axum answers HEAD with the GET handler.
        &Method::HEAD => &Method::GET,
        m => m,
    };
    let rule = match route {
        "/metrics" => auth.metrics_rule(),
        // A method the route does not take: axum answers 405 once the
        // caller is known to be someone.
        _ => permissions::route_rule(method, route).unwrap_or(Rule::Authenticated),
    };
    let header = request.headers().get(header::AUTHORIZATION);
    let mut token = super::bearer(header.and_then(|v| v.to_str().ok())).map(str::to_owned);
    if token.is_none() && STREAM_ROUTES.contains(&route) {
        token = access_token(request.uri().query());
    }
    let peer = request
        .extensions()
        .get::<ConnectInfo<Peer>>()
        .and_then(|c| c.0.subject.clone());
    match auth
        .admit(rule, token.as_deref(), "rest", peer.as_deref())
        .await
    {
        Ok(identity) => {
            request.extensions_mut().insert(identity);
            next.run(request).await
        }
        Err(e) => refuse(e),
    }
}

/// The refusal, with `WWW-Authenticate: Bearer` on a 401 (RFC 6750).
fn refuse(e: AuthError) -> Response {
    let unauthenticated = matches!(e, AuthError::Unauthenticated(_));
    let mut response = HttpError::from(crate::server::ApiError::from(e)).into_response();
    if unauthenticated && response.status() == StatusCode::UNAUTHORIZED {
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"orchestrator\""),
        );
    }
    response
}

/// `access_token` of a query string.
fn access_token(query: Option<&str>) -> Option<String> {
    let (_, value) = query?
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(k, _)| *k == "access_token")?;
    let value = percent_encoding::percent_decode_str(value)
        .decode_utf8()
        .ok()?
        .into_owned();
    (!value.is_empty()).then_some(value)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_access_token_is_read_from_the_query() {
        use super::access_token;
        assert_eq!(
            access_token(Some("a=1&access_token=x%2Ey")),
            Some("x.y".into())
        );
        assert_eq!(access_token(Some("access_token=")), None);
        assert_eq!(access_token(None), None);
    }
}
