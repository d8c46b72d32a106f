//! Live progress of `orchestrator run` in text mode: one line per task
//! transition.

use std::io::Write;

use crate::proto::{ExecutionEvent, TaskState, execution_event::Kind};

/// Writes one line for an event (nothing for events without news).
pub fn line(ev: &ExecutionEvent, out: &mut dyn Write) {
    let _ = match &ev.kind {
        Some(Kind::ExecutionStarted(s)) => writeln!(
            out,
            "▶ {} v{} started as {}",
            s.workflow, s.version, ev.execution_id
        ),
        Some(Kind::ExecutionResumed(_)) => writeln!(out, "▶ {} resumed", ev.execution_id),
        Some(Kind::TaskStarted(s)) if s.attempt > 1 => {
            writeln!(out, "  {:<24} attempt {}", s.task_id, s.attempt)
        }
        Some(Kind::TaskStarted(s)) => writeln!(out, "  {:<24} running", s.task_id),
        Some(Kind::TaskAttemptFailed(f)) => writeln!(
            out,
            "  {:<24} attempt {} failed, retrying in {}ms: {}",
            f.task_id, f.attempt, f.backoff_ms, f.error
        ),
        Some(Kind::TaskEnded(end)) => match &end.result {
            Some(r) => {
                let state = TaskState::try_from(r.status).unwrap_or_default();
                let mark = match state {
                    TaskState::Succeeded => "✓",
                    TaskState::Skipped => "↷",
                    _ => "✗",
                };
                let mut text = format!("{mark} {:<24} {}", r.task_id, state.label());
                if r.cached {
                    text.push_str(" (cached)");
                }
                text.push_str(&format!(" {}ms", r.duration_ms));
                if !r.error.is_empty() {
                    text.push_str(&format!(": {}", r.error));
                }
                writeln!(out, "{text}")
            }
            None => Ok(()),
        },
        Some(Kind::ApprovalRequested(a)) => writeln!(
            out,
            "  {:<24} waiting for approval: {}",
            a.task_id, a.message
        ),
        Some(Kind::ExecutionEnded(_)) | None => Ok(()),
    };
}
