//! The result cache of `cacheable: true` tasks. The key is the SHA-256 of
//! the task type and the canonical JSON (sorted keys) of the rendered
//! config, so identical calls share a result whatever the workflow. An
//! in-memory LRU sits in front of the store's cache records, bounded in
//! entries and in bytes (outputs can be up to `MAX_OUTPUT_BYTES` each);
//! entries carry an expiry time.

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
    lru: Option<Mutex<Lru>>,
    store: Arc<dyn Store>,
    default_ttl: Duration,
}

/// The in-memory entries with their sizes.
struct Lru {
    entries: LruCache<[u8; 32], (Arc<CacheEntry>, usize)>,
    bytes: usize,
    max_bytes: usize,
}

impl Lru {
    fn get(&mut self, key: &[u8; 32]) -> Option<Arc<CacheEntry>> {
        self.entries.get(key).map(|(e, _)| e.clone())
    }

    /// Keeps `entry`, evicting the least recently used beyond the bounds;
    /// one larger than the whole budget stays in the store only.
    fn put(&mut self, key: [u8; 32], entry: Arc<CacheEntry>) {
        use prost::Message;
        // The encoded size, plus the key and bookkeeping.
        let size = entry.encoded_len() + 96;
        if size > self.max_bytes {
            if let Some((_, old)) = self.entries.pop(&key) {
                self.bytes -= old;
            }
            return;
        }
        if let Some((_, (_, old))) = self.entries.push(key, (entry, size)) {
            self.bytes -= old;
        }
        self.bytes += size;
        while self.bytes > self.max_bytes {
            match self.entries.pop_lru() {
                Some((_, (_, old))) => self.bytes -= old,
                None => break,
            }
        }
    }
}

impl ResultCache {
    /// A cache of at most `capacity` in-memory entries taking at most
    /// `max_bytes` (either 0: only the store) over `store`.
    pub fn new(
        capacity: usize,
        max_bytes: usize,
        default_ttl: Duration,
        store: Arc<dyn Store>,
    ) -> Self {
        let lru = NonZeroUsize::new(capacity)
            .filter(|_| max_bytes > 0)
            .map(|c| {
                Mutex::new(Lru {
                    entries: LruCache::new(c),
                    bytes: 0,
                    max_bytes,
                })
            });
        Self {
            lru,
            store,
            default_ttl,
        }
    }

    /// In-memory entries and the bytes they take.
    pub fn memory(&self) -> (usize, usize) {
        self.lru.as_ref().map_or((0, 0), |l| {
            let l = l.lock().unwrap_or_else(|e| e.into_inner());
            (l.entries.len(), l.bytes)
        })
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
            let hit = lru.lock().unwrap_or_else(|e| e.into_inner()).get(key);
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

    #[tokio::test]
    async fn memory_is_bounded_in_bytes_and_the_store_keeps_the_rest() {
        let store: Arc<dyn Store> = Arc::new(crate::store::MemoryStore::new());
        let cache = ResultCache::new(1_000, 20_000, Duration::from_secs(60), store);
        let big = json!({"blob": "x".repeat(1_000)});
        for i in 0..100u8 {
            cache.put([i; 32], &big, &Map::new(), None);
        }
        let (entries, bytes) = cache.memory();
        assert!(bytes <= 20_000, "{bytes} bytes in memory");
        assert!((10..=20).contains(&entries), "{entries} entries");
        // Evicted from memory, still served by the store.
        assert_eq!(cache.get(&[0; 32]).await.unwrap().output, big);
        // An entry larger than the whole budget stays out of memory.
        let huge = json!({"blob": "y".repeat(30_000)});
        cache.put([200; 32], &huge, &Map::new(), None);
        assert!(cache.memory().1 <= 20_000);
        assert_eq!(cache.get(&[200; 32]).await.unwrap().output, huge);
    }
}
