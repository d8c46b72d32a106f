//! Where models come from: `MODEL_DIR/<name>/<version>/model.onnx` with its
//! `model.json`, or, for a model that directory lacks, `MODEL_REGISTRY_URL`:
//! `<url>/<name>/<version>/model.json` (which must give the `sha256` of the
//! model) and `<url>/<name>/<version>/model.onnx`, downloaded once,
//! verified, and cached in `MODEL_DIR` (written aside and renamed into
//! place, so a half-written download is never used).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::ModelError;

/// The model file in a version directory.
const MODEL_FILE: &str = "model.onnx";
/// The metadata file beside it.
const META_FILE: &str = "model.json";
/// Largest model downloaded.
const MAX_DOWNLOAD: usize = 512 << 20;
/// Largest `model.json` downloaded.
const MAX_META: usize = 1 << 20;
/// How long one download may take, and its connection.
const DOWNLOAD_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(600);
const CONNECT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// `model.json`: what the model takes and gives, and how to read its
/// scores. Every field is optional; inputs and outputs, where given, must
/// agree with the model itself.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Metadata {
    /// Free text.
    #[serde(default)]
    pub description: String,
    /// The version (required from a registry asked for its latest).
    #[serde(default)]
    pub version: String,
    /// SHA-256 of model.onnx, hex (required from a registry URL).
    #[serde(default)]
    pub sha256: String,
    /// Declared inputs by name.
    #[serde(default)]
    pub inputs: BTreeMap<String, Declared>,
    /// Declared outputs by name.
    #[serde(default)]
    pub outputs: BTreeMap<String, Declared>,
    /// Class names, in the order of the score output's values (two names
    /// for a single probability: below 0.5, from 0.5).
    #[serde(default)]
    pub labels: Vec<String>,
    /// The output whose values give `label` and `score`.
    #[serde(default)]
    pub score_output: String,
}

/// A declared input or output.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Declared {
    /// `float32`, `float64`, `int32`, `int64` or `bool`.
    #[serde(rename = "type")]
    pub element: String,
    /// Dimensions, -1 for any size.
    pub shape: Vec<i64>,
}

/// A model found on disk.
#[derive(Debug, Clone)]
pub struct Located {
    /// The version directory's name.
    pub version: String,
    /// The model file.
    pub path: PathBuf,
    /// Its metadata (defaults when there is no model.json).
    pub meta: Metadata,
}

/// The model registry.
#[derive(Debug, Clone)]
pub struct Registry {
    dir: PathBuf,
    url: Option<String>,
    /// Made at the first download: most servers never fetch a model.
    http: std::sync::OnceLock<reqwest::Client>,
}

impl Registry {
    /// A registry over `dir`, falling back to `url`.
    pub fn new(dir: PathBuf, url: Option<String>) -> Self {
        Self {
            dir,
            url: url.map(|u| u.trim_end_matches('/').to_owned()),
            http: std::sync::OnceLock::new(),
        }
    }

    /// Finds `name` at `version` (the highest when empty), downloading it
    /// from the registry URL when the directory lacks it.
    pub async fn locate(&self, name: &str, version: &str) -> Result<Located, ModelError> {
        check_name(name).map_err(|e| ModelError::Config(format!("script: {e}")))?;
        if !version.is_empty() {
            check_name(version).map_err(|e| ModelError::Config(format!("version: {e}")))?;
        }
        if let Some(found) = self.local(name, version)? {
            return Ok(found);
        }
        let Some(url) = &self.url else {
            let at = if version.is_empty() {
                String::new()
            } else {
                format!(" version {version}")
            };
            return Err(ModelError::NotFound(format!(
                "model '{name}'{at} is not in MODEL_DIR ({}) and no MODEL_REGISTRY_URL is set",
                self.dir.display()
            )));
        };
        self.download(url, name, version).await
    }

    fn local(&self, name: &str, version: &str) -> Result<Option<Located>, ModelError> {
        let root = self.dir.join(name);
        let version = if version.is_empty() {
            match highest_version(&root) {
                Some(v) => v,
                None => return Ok(None),
            }
        } else {
            version.to_owned()
        };
        let path = root.join(&version).join(MODEL_FILE);
        if !path.is_file() {
            return Ok(None);
        }
        let meta = match std::fs::read(root.join(&version).join(META_FILE)) {
            Ok(bytes) => parse_meta(&bytes, name)?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Metadata::default(),
            Err(e) => {
                return Err(ModelError::Load(format!(
                    "{name}/{version}/{META_FILE}: {e}"
                )));
            }
        };
        Ok(Some(Located {
            version,
            path,
            meta,
        }))
    }

    async fn download(&self, url: &str, name: &str, version: &str) -> Result<Located, ModelError> {
        let asked = if version.is_empty() {
            "latest"
        } else {
            version
        };
        let base = format!("{url}/{name}/{asked}");
        let meta_bytes = self.fetch(&format!("{base}/{META_FILE}"), MAX_META).await?;
        let meta = parse_meta(&meta_bytes, name)?;
        let version = match (version, meta.version.as_str()) {
            (v, _) if !v.is_empty() => v.to_owned(),
            ("", "") => {
                return Err(ModelError::Load(format!(
                    "{base}/{META_FILE}: `version` is required for the latest model"
                )));
            }
            (_, v) => {
                check_name(v)
                    .map_err(|e| ModelError::Load(format!("{base}/{META_FILE}: version: {e}")))?;
                v.to_owned()
            }
        };
        // The latest may be cached already under its version.
        if let Some(found) = self.local(name, &version)? {
            return Ok(found);
        }
        let want = meta.sha256.to_ascii_lowercase();
        if want.len() != 64 || !want.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(ModelError::Load(format!(
                "{base}/{META_FILE}: `sha256` (64 hex digits) is required from a registry"
            )));
        }
        let model = self
            .fetch(&format!("{base}/{MODEL_FILE}"), MAX_DOWNLOAD)
            .await?;
        let got = hex::encode(Sha256::digest(&model));
        if got != want {
            return Err(ModelError::Load(format!(
                "{base}/{MODEL_FILE}: SHA-256 is {got}, model.json says {want}; not used"
            )));
        }
        let (dir, owned, v) = (self.dir.clone(), name.to_owned(), version.clone());
        tokio::task::spawn_blocking(move || cache(&dir, &owned, &v, &model, &meta_bytes))
            .await
            .map_err(|e| ModelError::Load(format!("caching {name}/{version}: {e}")))?
            .map_err(|e| ModelError::Load(format!("caching {name}/{version} in MODEL_DIR: {e}")))?;
        tracing::info!(model = name, version, "downloaded and verified");
        self.local(name, &version)?.ok_or_else(|| {
            ModelError::Load(format!(
                "{name}/{version} vanished from MODEL_DIR after caching"
            ))
        })
    }

    /// Downloads `url`, at most `max` bytes (counted as they arrive: a
    /// body without a length is bounded too) within [`DOWNLOAD_TIMEOUT`].
    async fn fetch(&self, url: &str, max: usize) -> Result<Vec<u8>, ModelError> {
        let unreachable = |e: reqwest::Error| ModelError::Registry(format!("{url}: {e}"));
        let too_large = || ModelError::Load(format!("{url}: larger than {max} bytes"));
        let http = self.http.get_or_init(|| {
            crate::plugins::install_crypto_provider();
            reqwest::Client::builder()
                .timeout(DOWNLOAD_TIMEOUT)
                .connect_timeout(CONNECT_TIMEOUT)
                .build()
                .unwrap_or_default()
        });
        let mut response = http.get(url).send().await.map_err(unreachable)?;
        let status = response.status();
        if status == reqwest::StatusCode::NOT_FOUND {
            return Err(ModelError::NotFound(format!("{url}: not in the registry")));
        }
        if !status.is_success() {
            return Err(ModelError::Registry(format!("{url}: HTTP {status}")));
        }
        if response.content_length().is_some_and(|n| n > max as u64) {
            return Err(too_large());
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(unreachable)? {
            if body.len() + chunk.len() > max {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }
}

/// Writes a downloaded version's directory aside in `dir`, then renames it
/// into place (file work: run on a blocking thread).
fn cache(dir: &Path, name: &str, version: &str, model: &[u8], meta: &[u8]) -> std::io::Result<()> {
    let root = dir.join(name);
    std::fs::create_dir_all(&root)?;
    let aside = tempfile::Builder::new()
        .prefix(".download-")
        .tempdir_in(&root)?;
    std::fs::write(aside.path().join(MODEL_FILE), model)?;
    std::fs::write(aside.path().join(META_FILE), meta)?;
    match std::fs::rename(aside.path(), root.join(version)) {
        Ok(()) => {
            // Renamed away: nothing left for the guard to remove.
            let _ = aside.keep();
            Ok(())
        }
        // Another download of the same version won the race.
        Err(_) if root.join(version).join(MODEL_FILE).is_file() => Ok(()),
        Err(e) => Err(e),
    }
}

fn parse_meta(bytes: &[u8], name: &str) -> Result<Metadata, ModelError> {
    serde_json::from_slice(bytes).map_err(|e| ModelError::Load(format!("{name}: {META_FILE}: {e}")))
}

/// Model names and versions are single path components of plain characters.
pub fn check_name(s: &str) -> Result<(), String> {
    let ok = !s.is_empty()
        && !s.starts_with('.')
        && s.len() <= 128
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "'{s}' is not a plain name: letters, digits, '.', '_' and '-' only"
        ))
    }
}

/// The highest version directory of a model holding a model file, ordered
/// number by number (`10` after `9`, `1.10` after `1.9`).
fn highest_version(root: &Path) -> Option<String> {
    let entries = std::fs::read_dir(root).ok()?;
    entries
        .filter_map(|e| e.ok())
        .filter(|e| e.path().join(MODEL_FILE).is_file())
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|v| !v.starts_with('.'))
        .max_by(|a, b| version_key(a).cmp(&version_key(b)))
}

fn version_key(v: &str) -> Vec<(u64, String)> {
    v.split(['.', '-', '_'])
        .map(|part| match part.parse::<u64>() {
            Ok(n) => (n, String::new()),
            Err(_) => (0, part.to_owned()),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_order_number_by_number() {
        let dir = tempfile::tempdir().unwrap();
        for v in ["1", "9", "10", ".download-x", "1.10"] {
            let d = dir.path().join("m").join(v);
            std::fs::create_dir_all(&d).unwrap();
            std::fs::write(d.join(MODEL_FILE), b"x").unwrap();
        }
        assert_eq!(
            highest_version(&dir.path().join("m")).as_deref(),
            Some("10")
        );
        assert!(version_key("1.10") > version_key("1.9"));
    }

    #[test]
    fn names_are_single_plain_path_components() {
        for bad in ["", "..", "../etc", "a/b", ".hidden", "a b"] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
        check_name("threat_scoring_v2").unwrap();
        check_name("1.2-rc1").unwrap();
    }
}
