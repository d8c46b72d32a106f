//! `orchestrator backup`: a RocksDB checkpoint of a running server's store
//! through its Backup RPC, or of a stopped server's data directory opened
//! here. Either way the result is a data directory a server starts on.

use std::io::Write;
use std::path::Path;

use super::{ClientArgs, EXIT_FAILED, EXIT_OK, EXIT_USAGE, fail};
use crate::proto::BackupRequest;
use crate::proto::admin_service_client::AdminServiceClient;
use crate::store::{RocksOptions, RocksStore};
use crate::store::{Store, StoreError};

/// Asks the server at `args` for a backup named `name` (default: by time).
pub async fn backup_served(
    args: &ClientArgs,
    name: &str,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> i32 {
    let ch = match args.channel().await {
        Ok(ch) => ch,
        Err(e) => return fail(err, &e.to_string(), EXIT_FAILED),
    };
    let request = BackupRequest {
        name: name.to_owned(),
    };
    match AdminServiceClient::new(ch).backup(request).await {
        Ok(r) => {
            let r = r.into_inner();
            let _ = writeln!(
                out,
                "backup written to {} ({} bytes, {} ms) on the server's file system",
                r.path, r.bytes, r.duration_ms
            );
            EXIT_OK
        }
        Err(s) => fail(err, &super::refusal(&s), EXIT_FAILED),
    }
}

/// Checkpoints the stopped server's data directory `data` into `to`.
pub async fn backup_offline(
    data: &Path,
    to: &Path,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> i32 {
    if to.exists() {
        return fail(
            err,
            &format!(
                "--to {}: exists; a backup goes into a new directory",
                to.display()
            ),
            EXIT_USAGE,
        );
    }
    if !data.join("CURRENT").exists() {
        return fail(
            err,
            &format!("--data-dir {}: not a data directory", data.display()),
            EXIT_USAGE,
        );
    }
    let store = match RocksStore::open(data, RocksOptions::default()) {
        Ok(s) => s,
        Err(e @ StoreError::Locked(_)) => {
            return fail(
                err,
                &format!("{e}: back a running server up with --server instead"),
                EXIT_FAILED,
            );
        }
        Err(e) => return fail(err, &e.to_string(), EXIT_FAILED),
    };
    let t = std::time::Instant::now();
    match store.backup(to).await {
        Ok(()) => {
            let _ = writeln!(
                out,
                "backup written to {} ({} bytes, {} ms)",
                to.display(),
                crate::server::size_of_dir(to),
                t.elapsed().as_millis()
            );
            EXIT_OK
        }
        Err(e) => fail(err, &e.to_string(), EXIT_FAILED),
    }
}
