//! Named secrets for plugins (an http task's bearer token, say): looked up
//! at run time from the server's environment as `SECRET_<NAME>`, or from
//! the file at `SECRETS_FILE`. A spec names a secret; it never holds one,
//! and only variables with the `SECRET_` prefix can be reached this way.
//!
//! The file is either `NAME=value` lines (`#` comments), or a JSON object
//! whose entries are a value or `{"value": …, "hosts": [...]}`: a secret
//! with `hosts` is sent only to those hosts. Every value is also what the
//! engine redacts from the records it makes (see [`Secrets::file_values`]).

use std::collections::HashMap;
use std::path::PathBuf;

use serde::Deserialize;

/// Where secrets come from.
#[derive(Debug, Clone, Default)]
pub struct Secrets {
    file: Option<PathBuf>,
}

/// A secret's value and where it may be sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Secret {
    /// The value.
    pub value: String,
    /// The hosts it may be sent to (None: any).
    pub hosts: Option<Vec<String>>,
}

impl Secret {
    /// Whether the secret may be sent to `host` (`name:port`); an entry of
    /// `hosts` names a host (any port) or a `host:port`. The error names
    /// the secret, the host and the hosts allowed.
    pub fn allow(&self, name: &str, host: &str) -> Result<(), String> {
        let bare = host.rsplit_once(':').map_or(host, |(h, _)| h);
        match &self.hosts {
            Some(hosts)
                if !hosts
                    .iter()
                    .any(|h| h.eq_ignore_ascii_case(bare) || h.eq_ignore_ascii_case(host)) =>
            {
                Err(format!(
                    "secret '{name}' may not be sent to host '{bare}' (its hosts: {})",
                    hosts.join(", ")
                ))
            }
            _ => Ok(()),
        }
    }
}

/// One entry of a JSON secrets file.
#[derive(Deserialize)]
#[serde(untagged)]
enum Entry {
    Value(String),
    Limited {
        value: String,
        #[serde(default)]
        hosts: Option<Vec<String>>,
    },
}

impl Secrets {
    /// Secrets from the environment and, if given, a file.
    pub fn new(file: Option<PathBuf>) -> Self {
        Self { file }
    }

    /// The file secrets are read from, if any.
    pub fn file(&self) -> Option<&PathBuf> {
        self.file.as_ref()
    }

    /// The value of the secret called `name`; the error says where it was
    /// looked for.
    pub fn get(&self, name: &str) -> Result<String, String> {
        self.secret(name).map(|s| s.value)
    }

    /// The secret called `name`, with the hosts it may be sent to.
    pub fn secret(&self, name: &str) -> Result<Secret, String> {
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(format!("secret name {name:?}: use letters, digits and '_'"));
        }
        if let Ok(value) = std::env::var(format!("SECRET_{name}")) {
            return Ok(Secret { value, hosts: None });
        }
        if let Some(found) = self.read_file()?.remove(name) {
            return Ok(found);
        }
        Err(format!(
            "secret '{name}' not found (SECRET_{name} in the environment{})",
            self.file.as_ref().map_or(String::new(), |p| format!(
                " or {} in {}",
                name,
                p.display()
            ))
        ))
    }

    /// The value of every secret in the file (the environment's are
    /// `SECRET_*` variables).
    pub fn file_values(&self) -> Result<Vec<String>, String> {
        Ok(self.read_file()?.into_values().map(|s| s.value).collect())
    }

    fn read_file(&self) -> Result<HashMap<String, Secret>, String> {
        let Some(path) = &self.file else {
            return Ok(HashMap::new());
        };
        // Read at each use: rotating a secret needs no restart.
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("SECRETS_FILE {}: {e}", path.display()))?;
        parse(&text).map_err(|e| format!("SECRETS_FILE {}: {e}", path.display()))
    }
}

fn parse(text: &str) -> Result<HashMap<String, Secret>, String> {
    if text.trim_start().starts_with('{') {
        let entries: HashMap<String, Entry> =
            serde_json::from_str(text).map_err(|e| format!("not a JSON object of secrets: {e}"))?;
        return Ok(entries
            .into_iter()
            .map(|(k, e)| {
                let s = match e {
                    Entry::Value(value) => Secret { value, hosts: None },
                    Entry::Limited { value, hosts } => Secret { value, hosts },
                };
                (k, s)
            })
            .collect());
    }
    Ok(text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| {
            let s = Secret {
                value: v.trim().to_owned(),
                hosts: None,
            };
            (k.trim().to_owned(), s)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_of_name_value_lines() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secrets");
        std::fs::write(&path, "# intel\nINTEL_TOKEN = abc=def\n\nOTHER=1\n").unwrap();
        let s = Secrets::new(Some(path));
        assert_eq!(s.get("INTEL_TOKEN").unwrap(), "abc=def");
        assert!(s.get("MISSING").unwrap_err().contains("not found"));
        assert!(s.get("../etc").unwrap_err().contains("letters"));
    }

    #[test]
    fn a_json_file_limits_secrets_to_hosts() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secrets.json");
        std::fs::write(
            &path,
            r#"{"INTEL_TOKEN": {"value": "t0k3n", "hosts": ["intel.example", "127.0.0.1"]},
                "PLAIN": "p1ain"}"#,
        )
        .unwrap();
        let s = Secrets::new(Some(path.clone()));
        let intel = s.secret("INTEL_TOKEN").unwrap();
        assert_eq!(intel.value, "t0k3n");
        intel.allow("INTEL_TOKEN", "INTEL.example:443").unwrap();
        intel.allow("INTEL_TOKEN", "127.0.0.1:8080").unwrap();
        assert_eq!(
            intel.allow("INTEL_TOKEN", "evil.example:443").unwrap_err(),
            "secret 'INTEL_TOKEN' may not be sent to host 'evil.example' (its hosts: intel.example, 127.0.0.1)"
        );
        s.secret("PLAIN")
            .unwrap()
            .allow("PLAIN", "anywhere")
            .unwrap();
        let mut values = s.file_values().unwrap();
        values.sort();
        assert_eq!(values, ["p1ain", "t0k3n"]);
        std::fs::write(&path, "{\"BAD\": 3}").unwrap();
        assert!(
            s.get("BAD")
                .unwrap_err()
                .contains("not a JSON object of secrets")
        );
    }
}
