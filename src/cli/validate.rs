//! `orchestrator validate FILE...`: one line per problem on stderr,
//! `FILE: task 'ID': FIELD: MESSAGE`.

use std::io::Write;
use std::path::PathBuf;

use super::{EXIT_FAILED, EXIT_OK, read_file};
use crate::config::Config;
use crate::plugins::Registry;
use crate::spec::{self, Format, Limits};

/// Checks every file; exit 0 when all are valid, else 1.
pub fn validate(files: &[PathBuf], config: &Config, err: &mut dyn Write) -> i32 {
    let registry = Registry::builtin(config);
    let limits = Limits::from(config);
    let mut ok = true;
    for path in files {
        let text = match read_file(path) {
            Ok(t) => t,
            Err(m) => {
                let _ = writeln!(err, "{m}");
                ok = false;
                continue;
            }
        };
        if let Err(e) = spec::load(&text, Format::from_path(path), &registry, &limits) {
            ok = false;
            for p in &e.problems {
                let _ = writeln!(err, "{}: {p}", path.display());
            }
        }
    }
    if ok { EXIT_OK } else { EXIT_FAILED }
}
