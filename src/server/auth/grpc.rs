//! The gRPC side: a tower layer over every service of the tonic server, so
//! no RPC is reached around it. It reads `authorization: Bearer …`
//! metadata, admits or refuses the call by the RPC's row of the table, and
//! hands the caller's `Identity` to the service in the request extensions.

use std::sync::Arc;
use std::task::{Context, Poll};

use futures::future::BoxFuture;
use tonic::Status;
use tonic::transport::server::{TcpConnectInfo, TlsConnectInfo};
use tower::{Layer, Service};

use super::{Authenticator, permissions};
use crate::server::ApiError;

/// Puts `GrpcAuth` in front of the services.
#[derive(Clone)]
pub struct GrpcAuthLayer(pub Arc<Authenticator>);

impl<S> Layer<S> for GrpcAuthLayer {
    type Service = GrpcAuth<S>;

    fn layer(&self, inner: S) -> GrpcAuth<S> {
        GrpcAuth {
            auth: self.0.clone(),
            inner,
        }
    }
}

/// The services behind the check.
#[derive(Clone)]
pub struct GrpcAuth<S> {
    auth: Arc<Authenticator>,
    inner: S,
}

impl<S, B> Service<axum::http::Request<B>> for GrpcAuth<S>
where
    S: Service<axum::http::Request<B>, Response = axum::http::Response<tonic::body::Body>>
        + Clone
        + Send
        + 'static,
    S::Future: Send,
    B: Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = BoxFuture<'static, Result<Self::Response, Self::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: axum::http::Request<B>) -> Self::Future {
        // The clone that was polled ready serves this call.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let auth = self.auth.clone();
        Box::pin(async move {
            let path = request.uri().path();
            let Some(rule) = permissions::rpc_rule(path) else {
                let refused = Status::unimplemented(format!("{path}: no such method"));
                return Ok(refused.into_http());
            };
            let header = request.headers().get(axum::http::header::AUTHORIZATION);
            let token = super::bearer(header.and_then(|v| v.to_str().ok()));
            let peer = request
                .extensions()
                .get::<TlsConnectInfo<TcpConnectInfo>>()
                .and_then(|i| i.peer_certs())
                .and_then(|certs| certs.first().and_then(crate::server::tls::subject));
            match auth.admit(rule, token, "grpc", peer.as_deref()).await {
                Ok(identity) => {
                    request.extensions_mut().insert(identity);
                    inner.call(request).await
                }
                Err(e) => Ok(Status::from(ApiError::from(e)).into_http()),
            }
        })
    }
}
