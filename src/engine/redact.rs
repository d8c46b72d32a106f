//! Keeps secrets out of records. Every known secret's value — and its
//! base64 form, the way Basic auth sends it — becomes `***` in a task's
//! output, side facts, errors and audit details before anything is
//! recorded, cached, logged or seen by a later task: a service that echoes
//! a token back, or an error that quotes a connection URL, leaks nothing.

use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use base64::Engine as _;
use serde_json::{Map, Value};

use crate::plugins::Secrets;

/// What a secret's value is replaced with.
pub const REDACTED: &str = "***";

/// Values shorter than this are not searched for: hiding every "1" or
/// "ok" in outputs would mangle them and protect nothing.
const MIN_LEN: usize = 4;

/// Replaces secrets' values in what the engine records.
pub(crate) struct Redactor {
    secrets: Secrets,
    /// Values from the environment, read once: a process's environment
    /// does not change under it.
    env: Vec<String>,
    file: Mutex<FileValues>,
}

/// The secrets file's values as of its last change.
#[derive(Default)]
struct FileValues {
    loaded: bool,
    /// (modified, length) when read.
    stamp: Option<(SystemTime, u64)>,
    needles: Arc<[String]>,
}

impl Redactor {
    /// Redacts the secrets `secrets` can name.
    pub fn new(secrets: Secrets) -> Self {
        let env = std::env::vars()
            .filter(|(k, _)| k.starts_with("SECRET_"))
            .map(|(_, v)| v)
            .collect();
        let r = Self {
            secrets,
            env,
            file: Mutex::default(),
        };
        r.needles();
        r
    }

    /// The strings to hide now, longest first; the file is read again
    /// when it changed, so a rotated secret is hidden from its first use.
    fn needles(&self) -> Arc<[String]> {
        let stamp = self
            .secrets
            .file()
            .and_then(|p| std::fs::metadata(p).ok())
            .map(|m| (m.modified().unwrap_or(SystemTime::UNIX_EPOCH), m.len()));
        let mut file = self.file.lock().unwrap_or_else(|e| e.into_inner());
        if !file.loaded || file.stamp != stamp {
            match self.secrets.file_values() {
                Ok(values) => file.needles = needles(self.env.iter().cloned().chain(values)),
                Err(e) => {
                    tracing::warn!(error = %e, "cannot read the secrets to redact; keeping those read before");
                    if !file.loaded {
                        file.needles = needles(self.env.iter().cloned());
                    }
                }
            }
            file.loaded = true;
            file.stamp = stamp;
        }
        file.needles.clone()
    }

    /// Hides secrets in a task's output or side facts.
    pub fn value(&self, v: &mut Value) {
        let needles = self.needles();
        if !needles.is_empty() {
            walk(v, &needles);
        }
    }

    /// Hides secrets in side facts.
    pub fn map(&self, m: &mut Map<String, Value>) {
        let needles = self.needles();
        if !needles.is_empty() {
            m.values_mut().for_each(|v| walk(v, &needles));
        }
    }

    /// Hides secrets in a message.
    pub fn text(&self, s: &mut String) {
        let needles = self.needles();
        hide(s, &needles);
    }
}

fn needles(values: impl Iterator<Item = String>) -> Arc<[String]> {
    let b64 = base64::engine::general_purpose::STANDARD;
    let mut n: Vec<String> = values
        .flat_map(|v| {
            let encoded = b64.encode(&v);
            [v, encoded]
        })
        .filter(|v| v.len() >= MIN_LEN)
        .collect();
    // Longest first, so that a secret containing another is hidden whole.
    n.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
    n.dedup();
    n.into()
}

fn walk(v: &mut Value, needles: &[String]) {
    match v {
        Value::String(s) => hide(s, needles),
        Value::Array(a) => a.iter_mut().for_each(|v| walk(v, needles)),
        Value::Object(m) => m.values_mut().for_each(|v| walk(v, needles)),
        _ => {}
    }
}

fn hide(s: &mut String, needles: &[String]) {
    for n in needles {
        if s.contains(n.as_str()) {
            *s = s.replace(n.as_str(), REDACTED);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn values_and_their_base64_are_hidden_everywhere_in_an_output() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secrets");
        std::fs::write(&path, "TOKEN=t0k3n-value\nLOGIN=svc:pa:ss\nSHORT=ab\n").unwrap();
        let r = Redactor::new(Secrets::new(Some(path.clone())));
        let mut out = json!({
            "authorization": "Bearer t0k3n-value",
            "basic": "Basic c3ZjOnBhOnNz",
            "nested": [{"echo": "x t0k3n-value y t0k3n-value"}],
            "short": "ab is not hidden",
            "n": 7
        });
        r.value(&mut out);
        assert_eq!(
            out,
            json!({
                "authorization": "Bearer ***",
                "basic": "Basic ***",
                "nested": [{"echo": "x *** y ***"}],
                "short": "ab is not hidden",
                "n": 7
            })
        );
        let mut msg = "connect to svc:pa:ss failed".to_owned();
        r.text(&mut msg);
        assert_eq!(msg, "connect to *** failed");
        // A rotated secret is hidden from its first use.
        std::fs::write(&path, "TOKEN=rotated-t0k3n-value-2\n").unwrap();
        let mut msg = "got rotated-t0k3n-value-2".to_owned();
        r.text(&mut msg);
        assert_eq!(msg, "got ***");
    }
}
