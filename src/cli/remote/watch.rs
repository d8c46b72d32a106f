//! `exec watch` and `exec start --watch`: an execution followed live from
//! the server's `Watch` stream. On a terminal a table of the DAG's tasks
//! (state, attempt, duration, a note) and a progress line for the whole
//! run are redrawn in place with ANSI escapes; piped, each transition is
//! one plain line, the lines `orchestrator run` prints. JSON and YAML
//! print the ended execution once. The exit code is `run`'s: 0 when the
//! execution completed, 1 when it failed, was cancelled or timed out.

use std::io::Write;
use std::time::{Duration, SystemTime};

use futures::StreamExt;

use super::exec::{duration, state};
use super::{Ctx, Output, RemoteError};
use crate::cli::{EXIT_FAILED, EXIT_OK, progress};
use crate::proto::{
    ExecutionEvent, ExecutionState, GetWorkflowRequest, TaskState, execution_event::Kind,
};

/// How often the terminal view is redrawn while nothing happens (running
/// tasks' durations move on).
const TICK: Duration = Duration::from_millis(250);

/// Width of the progress bar, in cells.
const BAR: usize = 24;

/// Follows execution `id` until it ends; the exit code.
pub async fn follow(id: &str, ctx: &mut Ctx<'_>) -> Result<i32, RemoteError> {
    let mut events = ctx.client.watch(id).await?;
    let live = ctx.output == Output::Text && ctx.terminal;
    let mut view = if live {
        Some(View::new(ctx, id).await)
    } else {
        None
    };
    let mut tick = tokio::time::interval(TICK);
    let mut ended = None;
    while ended.is_none() {
        tokio::select! {
            ev = events.next() => match ev {
                Some(ev) => {
                    let ev = ev?;
                    if let Some(Kind::ExecutionEnded(end)) = &ev.kind {
                        ended = Some(end.clone());
                    }
                    match &mut view {
                        Some(v) => v.apply(&ev),
                        None if ctx.output == Output::Text => progress::line(&ev, ctx.out),
                        None => {}
                    }
                }
                None => break,
            },
            _ = tick.tick() => {}
        }
        if let Some(v) = &mut view {
            v.draw(ctx.out)?;
        }
        ctx.out.flush()?;
    }
    // The record, not the stream, has the last word: the stream may have
    // ended early (a server shutting down).
    let e = ctx.client.get_execution(id).await?;
    let st = state(&e);
    if !st.is_final() {
        return Err(RemoteError::Refused(tonic::Status::unavailable(format!(
            "the server ended the stream while execution {id} is {}",
            st.label()
        ))));
    }
    ctx.emit(&e, |out| {
        write!(out, "{} {} in {}ms", st.label(), e.id, e.duration_ms)?;
        if !e.error.is_empty() {
            write!(out, ": {}", e.error)?;
        }
        writeln!(out)
    })?;
    Ok(if st == ExecutionState::Completed {
        EXIT_OK
    } else {
        EXIT_FAILED
    })
}

/// One task's row in the live view.
#[derive(Debug, Clone)]
struct Row {
    id: String,
    state: TaskState,
    attempt: u32,
    /// When the running attempt started (server time).
    started: Option<SystemTime>,
    /// The ended task's duration.
    took_ms: Option<u64>,
    note: String,
}

/// The live view's state: the tasks in definition order, the run's start,
/// and how many lines the last drawing took (to move back over them).
struct View {
    title: String,
    rows: Vec<Row>,
    started: Option<SystemTime>,
    end: Option<(ExecutionState, u64)>,
    drawn: usize,
    width: usize,
}

impl View {
    /// A view of the tasks of `id`'s workflow version, all pending; a task
    /// the definition could not be read for is added when it first moves.
    async fn new(ctx: &Ctx<'_>, id: &str) -> View {
        let mut view = View {
            title: id.to_owned(),
            rows: Vec::new(),
            started: None,
            end: None,
            drawn: 0,
            width: terminal_width(),
        };
        let Ok(e) = ctx.client.get_execution(id).await else {
            return view;
        };
        view.title = format!("{} v{}  {}", e.workflow, e.version, e.id);
        let wf = ctx
            .client
            .workflows()
            .get_workflow(GetWorkflowRequest {
                name: e.workflow.clone(),
                version: e.version,
            })
            .await;
        if let Ok(wf) = wf {
            for t in wf.into_inner().spec.unwrap_or_default().tasks {
                view.row(&t.id);
            }
        }
        view
    }

    /// The row of task `id`, added when new.
    fn row(&mut self, id: &str) -> &mut Row {
        let at = match self.rows.iter().position(|r| r.id == id) {
            Some(at) => at,
            None => {
                self.rows.push(Row {
                    id: id.to_owned(),
                    state: TaskState::Pending,
                    attempt: 0,
                    started: None,
                    took_ms: None,
                    note: String::new(),
                });
                self.rows.len() - 1
            }
        };
        &mut self.rows[at]
    }

    /// Takes in one event.
    fn apply(&mut self, ev: &ExecutionEvent) {
        let at = ev.time.and_then(|t| {
            SystemTime::UNIX_EPOCH.checked_add(Duration::new(t.seconds as u64, t.nanos as u32))
        });
        match &ev.kind {
            Some(Kind::ExecutionStarted(_)) => self.started = at,
            Some(Kind::TaskStarted(s)) => {
                let r = self.row(&s.task_id);
                r.state = TaskState::Running;
                r.attempt = s.attempt;
                r.started = at;
                r.note.clear();
            }
            Some(Kind::TaskAttemptFailed(f)) => {
                let r = self.row(&f.task_id);
                r.note = format!(
                    "attempt {} failed, retrying in {}ms: {}",
                    f.attempt, f.backoff_ms, f.error
                );
            }
            Some(Kind::TaskEnded(end)) => {
                if let Some(res) = &end.result {
                    let r = self.row(&res.task_id);
                    r.state = TaskState::try_from(res.status).unwrap_or_default();
                    r.attempt = r.attempt.max(res.attempts);
                    r.took_ms = Some(res.duration_ms);
                    r.note = if res.cached {
                        "cached".to_owned()
                    } else {
                        res.error.lines().next().unwrap_or("").to_owned()
                    };
                }
            }
            Some(Kind::ApprovalRequested(a)) => {
                let r = self.row(&a.task_id);
                r.state = TaskState::Waiting;
                r.note = format!("waiting for approval: {}", a.message);
            }
            Some(Kind::ExecutionEnded(end)) => {
                self.end = Some((end.status(), end.duration_ms));
            }
            Some(Kind::ExecutionResumed(_)) | None => {}
        }
    }

    /// The lines of the view now.
    fn lines(&self, now: SystemTime) -> Vec<String> {
        let since = |t: Option<SystemTime>| {
            t.and_then(|t| now.duration_since(t).ok())
                .map(|d| d.as_millis() as u64)
                .unwrap_or(0)
        };
        let width = self
            .rows
            .iter()
            .map(|r| r.id.len())
            .max()
            .unwrap_or(4)
            .max(4);
        let mut lines = vec![
            self.title.clone(),
            format!(
                "  {:<width$}  {:<10} {:>7}  {:>8}  NOTE",
                "TASK", "STATE", "ATTEMPT", "DURATION"
            ),
        ];
        for r in &self.rows {
            let took = match (r.took_ms, r.state) {
                (Some(ms), _) => duration(ms),
                (None, TaskState::Running) => duration(since(r.started)),
                _ => "-".to_owned(),
            };
            let attempt = if r.attempt == 0 {
                "-".to_owned()
            } else {
                r.attempt.to_string()
            };
            lines.push(format!(
                "{} {:<width$}  {:<10} {:>7}  {:>8}  {}",
                mark(r.state),
                r.id,
                r.state.label(),
                attempt,
                took,
                r.note
            ));
        }
        let done = self.rows.iter().filter(|r| r.state.is_final()).count();
        let running = self
            .rows
            .iter()
            .filter(|r| r.state == TaskState::Running)
            .count();
        let total = self.rows.len().max(1);
        let filled = done * BAR / total;
        let (label, elapsed) = match self.end {
            Some((st, ms)) => (st.label(), ms),
            None => ("running", since(self.started)),
        };
        lines.push(format!(
            "[{}{}] {done}/{} tasks  {running} running  {}  {label}",
            "#".repeat(filled),
            ".".repeat(BAR - filled),
            self.rows.len(),
            duration(elapsed),
        ));
        lines
            .into_iter()
            .map(|l| l.chars().take(self.width).collect())
            .collect()
    }

    /// Redraws the view over the last drawing: back to its first line,
    /// each line cleared before it is written, so that nothing scrolls.
    fn draw(&mut self, out: &mut dyn Write) -> std::io::Result<()> {
        let lines = self.lines(SystemTime::now());
        let mut text = String::new();
        if self.drawn > 0 {
            text.push_str(&format!("\x1b[{}F", self.drawn));
        }
        for l in &lines {
            text.push_str("\x1b[2K");
            text.push_str(l);
            text.push('\n');
        }
        self.drawn = lines.len();
        out.write_all(text.as_bytes())
    }
}

/// A task state's mark, as `run`'s lines use them.
fn mark(s: TaskState) -> char {
    match s {
        TaskState::Succeeded => '✓',
        TaskState::Skipped => '↷',
        TaskState::Running => '▶',
        TaskState::Waiting => '…',
        TaskState::Pending | TaskState::Unspecified => ' ',
        _ => '✗',
    }
}

/// Columns of the terminal on standard output (80 when it cannot say), so
/// that no line wraps and throws the redrawing off.
fn terminal_width() -> usize {
    let mut size = libc::winsize {
        ws_row: 0,
        ws_col: 0,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: TIOCGWINSZ writes one winsize into the struct it is given,
    // which lives across the call.
    let ok = unsafe { libc::ioctl(libc::STDOUT_FILENO, libc::TIOCGWINSZ, &mut size) } == 0;
    if ok && size.ws_col > 0 {
        usize::from(size.ws_col)
    } else {
        80
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::{TaskEnded, TaskResult, TaskStarted};

    fn event(kind: Kind) -> ExecutionEvent {
        ExecutionEvent {
            kind: Some(kind),
            ..Default::default()
        }
    }

    #[test]
    fn the_view_shows_a_task_running_then_succeeded_and_the_progress() {
        let mut v = View {
            title: "t".into(),
            rows: Vec::new(),
            started: None,
            end: None,
            drawn: 0,
            width: 200,
        };
        v.row("a");
        v.row("b");
        v.apply(&event(Kind::TaskStarted(TaskStarted {
            task_id: "a".into(),
            attempt: 1,
        })));
        let lines = v.lines(SystemTime::now());
        assert!(
            lines[2].contains("a") && lines[2].contains("running"),
            "{lines:?}"
        );
        assert!(lines[3].contains("pending"), "{lines:?}");
        assert!(lines[4].contains("0/2 tasks  1 running"), "{lines:?}");
        v.apply(&event(Kind::TaskEnded(TaskEnded {
            result: Some(TaskResult {
                task_id: "a".into(),
                status: TaskState::Succeeded as i32,
                attempts: 1,
                duration_ms: 1500,
                ..Default::default()
            }),
        })));
        let lines = v.lines(SystemTime::now());
        assert!(
            lines[2].starts_with("✓ a") && lines[2].contains("1.5s"),
            "{lines:?}"
        );
        assert!(
            lines[4].starts_with(&format!("[{}{}] 1/2 tasks", "#".repeat(12), ".".repeat(12))),
            "{lines:?}"
        );
    }

    #[test]
    fn redrawing_moves_back_over_the_last_drawing() {
        let mut v = View {
            title: "t".into(),
            rows: Vec::new(),
            started: None,
            end: None,
            drawn: 0,
            width: 200,
        };
        v.row("a");
        let mut out = Vec::new();
        v.draw(&mut out).unwrap();
        assert!(!String::from_utf8_lossy(&out).contains("\x1b[4F"));
        let mut out = Vec::new();
        v.draw(&mut out).unwrap();
        assert!(String::from_utf8_lossy(&out).starts_with("\x1b[4F\x1b[2Kt\n"));
    }
}
