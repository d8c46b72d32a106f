//! The audit trail exported as JSON lines (`AUDIT_LOG_FILE`), for a SIEM
//! to tail: the writer appends each group commit's audit records once they
//! are durable, so the file never holds a record the store lost.

use std::fs::{File, OpenOptions};
use std::io::Write as _;
use std::path::Path;

use serde_json::json;

use crate::proto::AuditRecord;
use crate::store::StoreError;

/// The open export file.
pub(super) struct AuditLog {
    file: File,
    failing: bool,
}

impl AuditLog {
    /// Opens (creating, appending to) the file at `path`.
    pub(super) fn open(path: &Path) -> Result<Self, StoreError> {
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|e| StoreError::Backend(format!("AUDIT_LOG_FILE {}: {e}", path.display())))?;
        Ok(AuditLog {
            file,
            failing: false,
        })
    }

    /// Appends the records, one JSON object a line, in one write. A failure
    /// is logged once until writing works again; the store goes on.
    pub(super) fn append(&mut self, records: &[AuditRecord]) {
        if records.is_empty() {
            return;
        }
        let mut text = String::new();
        for r in records {
            let time = r
                .time
                .map(|t| crate::proto::timestamp_ms(&t))
                .and_then(chrono::DateTime::from_timestamp_millis)
                .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true));
            let line = json!({
                "time": time,
                "actor": r.actor,
                "action": r.action,
                "target": r.target,
                "reason": r.reason,
            });
            text.push_str(&line.to_string());
            text.push('\n');
        }
        match self.file.write_all(text.as_bytes()) {
            Ok(()) => self.failing = false,
            Err(e) if !self.failing => {
                self.failing = true;
                tracing::error!(error = %e, "cannot append to AUDIT_LOG_FILE; records stay in the store");
            }
            Err(_) => {}
        }
    }
}
