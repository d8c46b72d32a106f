//! `grpc`: a dynamic unary call to any gRPC service. The method's message
//! types come from the server's reflection service (v1; fetched once per
//! target with every file they depend on, then cached) or from a
//! FileDescriptorSet file. The JSON `body` becomes the request through
//! prost-reflect (unknown fields and wrong types are errors naming the
//! field) and the reply comes back as proto3 JSON.
//!
//! UNAVAILABLE, DEADLINE_EXCEEDED and RESOURCE_EXHAUSTED are retryable;
//! other codes are not.

use std::collections::HashMap;
use std::num::NonZeroUsize;
use std::str::FromStr;
use std::sync::Mutex;

use lru::LruCache;
use prost::Message;
use prost_reflect::prost_types::FileDescriptorProto;
use prost_reflect::{
    DescriptorPool, DeserializeOptions, DynamicMessage, MessageDescriptor, MethodDescriptor,
    SerializeOptions,
};
use serde_json::Value;
use tonic::codec::{Codec, DecodeBuf, Decoder, EncodeBuf, Encoder};
use tonic::codegen::http::uri::PathAndQuery;
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Endpoint};
use tonic::{Code, Status};
use tonic_reflection::pb::v1::ServerReflectionRequest;
use tonic_reflection::pb::v1::server_reflection_client::ServerReflectionClient;
use tonic_reflection::pb::v1::server_reflection_request::MessageRequest;
use tonic_reflection::pb::v1::server_reflection_response::MessageResponse;

use super::{ConfigProblem, TaskContext, TaskError, TaskOutput, TaskPlugin, is_templated};
use crate::proto::GrpcConfig;

/// Files fetched by reflection for one method at most (a service and its
/// imports); a server that keeps naming new ones is not followed further.
const MAX_FILES: usize = 256;

/// Connections, and descriptor pools, kept at most: both are keyed by a
/// task's (templated) target, so a workflow naming a new target per run
/// must not grow them without end.
pub const MAX_CACHED_TARGETS: usize = 256;

/// The `grpc` plugin.
#[derive(Debug)]
pub struct GrpcPlugin {
    /// Connections by target and CA (tonic channels multiplex and reconnect).
    channels: Mutex<LruCache<(String, String), Channel>>,
    /// Descriptors by target (reflection) or by file.
    pools: Mutex<LruCache<String, DescriptorPool>>,
}

impl Default for GrpcPlugin {
    fn default() -> Self {
        let cap = NonZeroUsize::new(MAX_CACHED_TARGETS).expect("not zero");
        Self {
            channels: Mutex::new(LruCache::new(cap)),
            pools: Mutex::new(LruCache::new(cap)),
        }
    }
}

impl GrpcPlugin {
    /// A plugin with empty caches.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many connections and descriptor pools are cached.
    pub fn cached(&self) -> (usize, usize) {
        let channels = self.channels.lock().unwrap_or_else(|e| e.into_inner());
        let pools = self.pools.lock().unwrap_or_else(|e| e.into_inner());
        (channels.len(), pools.len())
    }

    fn channel(&self, target: &str, ca_file: &str) -> Result<Channel, TaskError> {
        let key = (target.to_owned(), ca_file.to_owned());
        if let Some(c) = self
            .channels
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&key)
        {
            return Ok(c.clone());
        }
        let uri = if target.contains("://") {
            target.to_owned()
        } else {
            format!("http://{target}")
        };
        let mut endpoint = Endpoint::from_shared(uri.clone())
            .map_err(|e| TaskError::permanent(format!("config: target {target:?}: {e}")))?
            .tcp_nodelay(true);
        if uri.starts_with("https://") {
            let mut tls = ClientTlsConfig::new().with_webpki_roots();
            if !ca_file.is_empty() {
                let pem = std::fs::read(ca_file)
                    .map_err(|e| TaskError::permanent(format!("config: ca_file {ca_file}: {e}")))?;
                tls = tls.ca_certificate(Certificate::from_pem(pem));
            }
            endpoint = endpoint
                .tls_config(tls)
                .map_err(|e| TaskError::permanent(format!("config: TLS: {e}")))?;
        }
        let channel = endpoint.connect_lazy();
        self.channels
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .put(key, channel.clone());
        Ok(channel)
    }

    /// The method's descriptor, from the cache, a descriptor set, or the
    /// server's reflection.
    async fn method(
        &self,
        cfg: &GrpcConfig,
        channel: &Channel,
        service: &str,
        method: &str,
    ) -> Result<MethodDescriptor, TaskError> {
        let key = if cfg.descriptor_set.is_empty() {
            format!("reflection:{}", cfg.target)
        } else {
            format!("file:{}", cfg.descriptor_set)
        };
        let cached = self
            .pools
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&key)
            .and_then(|p| p.get_service_by_name(service));
        let svc = match cached {
            Some(s) => s,
            None => {
                let pool = if cfg.descriptor_set.is_empty() {
                    reflect(channel.clone(), service).await?
                } else {
                    let bytes = tokio::fs::read(&cfg.descriptor_set).await.map_err(|e| {
                        TaskError::permanent(format!(
                            "config: descriptor_set {}: {e}",
                            cfg.descriptor_set
                        ))
                    })?;
                    DescriptorPool::decode(bytes.as_slice()).map_err(|e| {
                        TaskError::permanent(format!(
                            "config: descriptor_set {}: {e}",
                            cfg.descriptor_set
                        ))
                    })?
                };
                let svc = pool.get_service_by_name(service).ok_or_else(|| {
                    TaskError::permanent(format!("method: no service '{service}' in {key}"))
                })?;
                self.pools
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .put(key, pool);
                svc
            }
        };
        svc.methods().find(|m| m.name() == method).ok_or_else(|| {
            let known: Vec<String> = svc.methods().map(|m| m.name().to_owned()).collect();
            TaskError::permanent(format!(
                "method: '{service}' has no method '{method}' (it has {})",
                known.join(", ")
            ))
        })
    }
}

#[async_trait::async_trait]
impl TaskPlugin for GrpcPlugin {
    fn kind(&self) -> &'static str {
        "grpc"
    }

    fn load(&self) -> super::Load {
        super::Load::Wait
    }

    fn validate(&self, config: &Value) -> Vec<ConfigProblem> {
        let cfg = match super::decode::<GrpcConfig>(config) {
            Ok(c) => c,
            Err(e) => return vec![(String::new(), e.message)],
        };
        let mut p = Vec::new();
        if cfg.target.is_empty() {
            p.push(("target".into(), "required: host:port".into()));
        }
        if cfg.method.is_empty() {
            p.push(("method".into(), "required: package.Service/Method".into()));
        } else if !is_templated(&cfg.method)
            && let Err(m) = split_method(&cfg.method)
        {
            p.push(("method".into(), m));
        }
        p
    }

    async fn execute(&self, ctx: TaskContext) -> Result<TaskOutput, TaskError> {
        let key = ctx.idempotency_key();
        let mut config = ctx.config;
        if let Some(v) = config.get_mut("metadata") {
            super::stringify_scalars(v);
        }
        let cfg: GrpcConfig = super::decode(&config)?;
        let (service, method) = split_method(&cfg.method).map_err(TaskError::permanent)?;
        let channel = self.channel(&cfg.target, &cfg.ca_file)?;
        let desc = self.method(&cfg, &channel, service, method).await?;
        let body = cfg
            .body
            .as_ref()
            .map_or(Value::Null, crate::proto::pb_to_json);
        let body = if body.is_null() {
            Value::Object(Default::default())
        } else {
            body
        };
        let request = to_message(desc.input(), &body)?;
        let mut req = tonic::Request::new(request);
        for (k, v) in &cfg.metadata {
            let key = tonic::metadata::MetadataKey::from_str(&k.to_ascii_lowercase())
                .map_err(|_| TaskError::permanent(format!("config: metadata: bad key {k:?}")))?;
            let value = v
                .parse()
                .map_err(|_| TaskError::permanent(format!("config: metadata.{k}: bad value")))?;
            req.metadata_mut().insert(key, value);
        }
        if !req.metadata().contains_key("idempotency-key")
            && let Ok(key) = key.parse()
        {
            req.metadata_mut().insert("idempotency-key", key);
        }
        // The run's trace goes on at the peer, unless the task sends its own.
        for (name, value) in crate::telemetry::trace_headers() {
            if let (Ok(name), Ok(value)) =
                (tonic::metadata::MetadataKey::from_str(&name), value.parse())
                && !req.metadata().contains_key(&name)
            {
                req.metadata_mut().insert(name, value);
            }
        }
        if let Some(t) = ctx.timeout {
            req.set_timeout(t);
        }
        let path = PathAndQuery::from_str(&format!("/{service}/{method}"))
            .map_err(|e| TaskError::permanent(format!("method: {e}")))?;
        let mut grpc = tonic::client::Grpc::new(channel);
        grpc.ready()
            .await
            .map_err(|e| TaskError::retryable(format!("connecting to {}: {e}", cfg.target)))?;
        let reply = grpc
            .unary(req, path, DynamicCodec(desc.output()))
            .await
            .map_err(status_error)?
            .into_inner();
        let options = SerializeOptions::new()
            .use_proto_field_name(true)
            .skip_default_fields(false);
        let output = reply
            .serialize_with_options(serde_json::value::Serializer, &options)
            .map_err(|e| TaskError::permanent(format!("reply is not JSON: {e}")))?;
        Ok(TaskOutput::new(output))
    }
}

/// `package.Service/Method` into its two halves.
fn split_method(m: &str) -> Result<(&str, &str), String> {
    match m.trim_start_matches('/').split_once('/') {
        Some((s, m)) if !s.is_empty() && !m.is_empty() && !m.contains('/') => Ok((s, m)),
        _ => Err(format!("{m:?} is not package.Service/Method")),
    }
}

/// The request message from JSON; an error names the field at fault.
fn to_message(desc: MessageDescriptor, body: &Value) -> Result<DynamicMessage, TaskError> {
    let options = DeserializeOptions::new().deny_unknown_fields(true);
    let mut track = serde_path_to_error::Track::new();
    let tracked = serde_path_to_error::Deserializer::new(body, &mut track);
    DynamicMessage::deserialize_with_options(desc.clone(), tracked, &options).map_err(|e| {
        let path = track.path().to_string();
        let at = if path == "." {
            String::new()
        } else {
            format!("{path}: ")
        };
        TaskError::permanent(format!("body: {at}{e} (request type {})", desc.full_name()))
    })
}

/// Retryable codes are those another attempt may not meet.
fn status_error(s: Status) -> TaskError {
    let message = format!("{:?}: {}", s.code(), s.message());
    match s.code() {
        Code::Unavailable | Code::DeadlineExceeded | Code::ResourceExhausted => {
            TaskError::retryable(message)
        }
        _ => TaskError::permanent(message),
    }
}

/// Asks the server's reflection service for the file defining `service`
/// and, one by one, every file it imports.
async fn reflect(channel: Channel, service: &str) -> Result<DescriptorPool, TaskError> {
    let mut client = ServerReflectionClient::new(channel);
    let mut files: HashMap<String, FileDescriptorProto> = HashMap::new();
    let mut wanted = vec![MessageRequest::FileContainingSymbol(service.to_owned())];
    while let Some(request) = wanted.pop() {
        if files.len() >= MAX_FILES {
            return Err(TaskError::permanent(format!(
                "reflection: more than {MAX_FILES} files for {service}"
            )));
        }
        let req = ServerReflectionRequest {
            host: String::new(),
            message_request: Some(request),
        };
        let mut stream = client
            .server_reflection_info(tokio_stream::once(req))
            .await
            .map_err(|s| reflection_error(service, s))?
            .into_inner();
        let resp = stream
            .message()
            .await
            .map_err(|s| reflection_error(service, s))?
            .ok_or_else(|| TaskError::permanent("reflection: empty answer"))?;
        match resp.message_response {
            Some(MessageResponse::FileDescriptorResponse(f)) => {
                for raw in f.file_descriptor_proto {
                    let file = FileDescriptorProto::decode(raw.as_slice()).map_err(|e| {
                        TaskError::permanent(format!("reflection: bad descriptor: {e}"))
                    })?;
                    for dep in &file.dependency {
                        if !files.contains_key(dep) {
                            wanted.push(MessageRequest::FileByFilename(dep.clone()));
                        }
                    }
                    files.insert(file.name().to_owned(), file);
                }
                wanted.retain(
                    |w| !matches!(w, MessageRequest::FileByFilename(n) if files.contains_key(n)),
                );
            }
            Some(MessageResponse::ErrorResponse(e)) => {
                return Err(TaskError::permanent(format!(
                    "method: the server does not know '{service}' ({})",
                    e.error_message
                )));
            }
            _ => return Err(TaskError::permanent("reflection: unexpected answer")),
        }
    }
    let mut pool = DescriptorPool::new();
    pool.add_file_descriptor_protos(files.into_values())
        .map_err(|e| TaskError::permanent(format!("reflection: {e}")))?;
    Ok(pool)
}

fn reflection_error(service: &str, s: Status) -> TaskError {
    let e = status_error(s);
    TaskError {
        message: format!("reflection for {service}: {}", e.message),
        ..e
    }
}

/// Encodes and decodes messages known only at run time.
#[derive(Clone)]
struct DynamicCodec(MessageDescriptor);

impl Codec for DynamicCodec {
    type Encode = DynamicMessage;
    type Decode = DynamicMessage;
    type Encoder = DynamicEncoder;
    type Decoder = DynamicDecoder;

    fn encoder(&mut self) -> Self::Encoder {
        DynamicEncoder
    }

    fn decoder(&mut self) -> Self::Decoder {
        DynamicDecoder(self.0.clone())
    }
}

struct DynamicEncoder;

impl Encoder for DynamicEncoder {
    type Item = DynamicMessage;
    type Error = Status;

    fn encode(&mut self, item: Self::Item, dst: &mut EncodeBuf<'_>) -> Result<(), Self::Error> {
        item.encode(dst)
            .map_err(|e| Status::internal(format!("encoding the request: {e}")))
    }
}

struct DynamicDecoder(MessageDescriptor);

impl Decoder for DynamicDecoder {
    type Item = DynamicMessage;
    type Error = Status;

    fn decode(&mut self, src: &mut DecodeBuf<'_>) -> Result<Option<Self::Item>, Self::Error> {
        let mut m = DynamicMessage::new(self.0.clone());
        m.merge(src)
            .map_err(|e| Status::internal(format!("decoding the reply: {e}")))?;
        Ok(Some(m))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn methods_are_package_service_slash_method() {
        assert_eq!(
            split_method("orchestrator.v1.AdminService/Stats").unwrap(),
            ("orchestrator.v1.AdminService", "Stats")
        );
        assert!(split_method("Stats").is_err());
        assert!(split_method("a/b/c").is_err());
    }

    #[test]
    fn status_codes_map_to_retryable_or_not() {
        assert!(status_error(Status::unavailable("x")).retryable);
        assert!(status_error(Status::deadline_exceeded("x")).retryable);
        assert!(!status_error(Status::invalid_argument("x")).retryable);
        assert!(!status_error(Status::not_found("x")).retryable);
    }
}
