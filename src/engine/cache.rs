//! The result cache of `cacheable: true` tasks. The key is the SHA-256 of
//! the task type and the canonical JSON (sorted keys) of the rendered
//! config, so identical calls share a result whatever the workflow. An
//! in-memory LRU sits in front of the store's cache records; entries carry
//! an expiry time.

use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use lru::LruCache;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::proto::{self, CacheEntry};
use crate::store::{Store, Write};

/// A cached output and its side facts.
#[derive(Debug, Clone)]
pub struct CachedResult {
    /// The output.
    pub output: Value,
    /// The side facts (`tasks.<id>.*`).
    pub meta: Map<String, Value>,
}

/// LRU in front of the store's cache records.
pub struct ResultCache {
    lru: Option<Mutex<LruCache<[u8; 32], Arc<CacheEntry>>>>,
    store: Arc<dyn Store>,
    default_ttl: Duration,
}

impl ResultCache {
    /// A cache of `capacity` in-memory entries (0: only the store) over `store`.
    pub fn new(capacity: usize, default_ttl: Duration, store: Arc<dyn Store>) -> Self {
        Self {
            lru: NonZeroUsize::new(capacity).map(|c| Mutex::new(LruCache::new(c))),
            store,
            default_ttl,
        }
    }

    /// The key of a task call.
    pub fn key(kind: &str, config: &Value) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update(kind.as_bytes());
        h.update([0]);
        let mut canonical = String::new();
        write_canonical(config, &mut canonical);
        h.update(canonical.as_bytes());
        h.finalize().into()
    }

    /// A fresh cached result, if any.
    pub async fn get(&self, key: &[u8; 32]) -> Option<CachedResult> {
        let now = proto::timestamp_ms(&proto::now());
        if let Some(lru) = &self.lru {
            let hit = lru
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .get(key)
                .cloned();
            if let Some(e) = hit {
                return (e.expires_at_ms > now).then(|| to_result(&e));
            }
        }
        let entry = match self.store.get_cache(key).await {
            Ok(Some(e)) => e,
            Ok(None) => return None,
            Err(e) => {
                tracing::warn!(error = %e, "result cache read failed; running the task");
                return None;
            }
        };
        if entry.expires_at_ms <= now {
            return None;
        }
        let result = to_result(&entry);
        if let Some(lru) = &self.lru {
            lru.lock()
                .unwrap_or_else(|e| e.into_inner())
                .put(*key, Arc::new(entry));
        }
        Some(result)
    }

    /// Stores a result for `ttl` (or the default).
    pub fn put(
        &self,
        key: [u8; 32],
        output: &Value,
        meta: &Map<String, Value>,
        ttl: Option<Duration>,
    ) {
        let ttl = ttl.unwrap_or(self.default_ttl);
        let entry = CacheEntry {
            output: Some(proto::json_to_pb(output)),
            meta: Some(proto::json_map_to_struct(meta)),
            expires_at_ms: proto::timestamp_ms(&proto::now()) + ttl.as_millis() as i64,
        };
        if let Some(lru) = &self.lru {
            lru.lock()
                .unwrap_or_else(|e| e.into_inner())
                .put(key, Arc::new(entry.clone()));
        }
        self.store.append(Write::Cache { key, entry });
    }
}

fn to_result(e: &CacheEntry) -> CachedResult {
    CachedResult {
        output: e.output.as_ref().map_or(Value::Null, proto::pb_to_json),
        meta: e
            .meta
            .as_ref()
            .map(proto::struct_to_json_map)
            .unwrap_or_default(),
    }
}

/// JSON with object keys sorted, whatever the map's own order.
fn write_canonical(v: &Value, out: &mut String) {
    match v {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(k.clone()).to_string());
                out.push(':');
                write_canonical(&map[k], out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn key_ignores_object_key_order_but_not_values_or_type() {
        let a = ResultCache::key("http", &json!({"url": "u", "body": {"x": 1, "y": 2}}));
        let b = ResultCache::key("http", &json!({"body": {"y": 2, "x": 1}, "url": "u"}));
        assert_eq!(a, b);
        assert_ne!(
            a,
            ResultCache::key("http", &json!({"url": "u", "body": {"x": 1, "y": 3}}))
        );
        assert_ne!(
            a,
            ResultCache::key("echo", &json!({"url": "u", "body": {"x": 1, "y": 2}}))
        );
    }
}
