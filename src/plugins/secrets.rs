//! Named secrets for plugins (an http task's bearer token, say): looked up
//! at run time from the server's environment as `SECRET_<NAME>`, or from
//! the file at `SECRETS_FILE` (`NAME=value` lines, `#` comments). A spec
//! names a secret; it never holds one, and only variables with the
//! `SECRET_` prefix can be reached this way.

use std::collections::HashMap;
use std::path::PathBuf;

/// Where secrets come from.
#[derive(Debug, Clone, Default)]
pub struct Secrets {
    file: Option<PathBuf>,
}

impl Secrets {
    /// Secrets from the environment and, if given, a file.
    pub fn new(file: Option<PathBuf>) -> Self {
        Self { file }
    }

    /// The secret called `name`; the error says where it was looked for.
    pub fn get(&self, name: &str) -> Result<String, String> {
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(format!("secret name {name:?}: use letters, digits and '_'"));
        }
        if let Ok(v) = std::env::var(format!("SECRET_{name}")) {
            return Ok(v);
        }
        if let Some(path) = &self.file {
            // Read at each use: rotating a secret needs no restart.
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("SECRETS_FILE {}: {e}", path.display()))?;
            if let Some(v) = parse(&text).remove(name) {
                return Ok(v);
            }
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
}

fn parse(text: &str) -> HashMap<String, String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect()
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
}
