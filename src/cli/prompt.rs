//! Deciding a local run's approval tasks at the terminal. `orchestrator
//! run` and `resume` serve no API a person could decide through, so when
//! standard input is a terminal they ask there, one approval at a time,
//! and hand the answer to the engine as the API would. Without a terminal
//! nobody can answer: `run` refuses a workflow whose approvals would wait
//! for ever (no timeout), and says so before it starts anything.

use std::io::{BufRead, Write};
use std::sync::Arc;

use serde_json::{Map, Value};
use tokio::sync::mpsc;

use crate::engine::{ApprovalError, Engine, EngineError, Verdict};
use crate::proto::{ApprovalField, ApprovalRequested, Decision, WorkflowSpec};

/// Who a decision made here is recorded as.
const DECIDED_BY: &str = "cli";

/// The first approval task of `spec` that nothing but a person ends (no
/// timeout), as the error `run` gives when nobody can be asked.
pub fn undecidable(spec: &WorkflowSpec) -> Option<String> {
    let t = spec
        .tasks
        .iter()
        .find(|t| t.r#type == crate::spec::approval::KIND && t.timeout.is_empty())?;
    Some(format!(
        "task '{}': an approval task waits for a person, and standard input is not a \
         terminal to ask at; run it from a terminal, give the task a timeout (and \
         on_timeout), or start it on a server (orchestrator exec start)",
        t.id
    ))
}

/// Asks at the terminal for the approvals it is handed, one at a time.
pub struct Prompter {
    requests: mpsc::UnboundedSender<(String, ApprovalRequested)>,
    asking: tokio::task::JoinHandle<()>,
    /// Held while an answer is handed to the engine and confirmed.
    handing: Arc<tokio::sync::Mutex<()>>,
}

impl Prompter {
    /// Starts asking; prompts go to standard error, answers come from
    /// standard input (read on a thread of its own, so that a prompt left
    /// unanswered never holds the process up as it exits).
    pub fn start(engine: Engine) -> Self {
        let (requests, mut rx) = mpsc::unbounded_channel::<(String, ApprovalRequested)>();
        let handing = Arc::new(tokio::sync::Mutex::new(()));
        let held = handing.clone();
        let asking = tokio::spawn(async move {
            let mut lines = stdin_lines();
            while let Some((execution, request)) = rx.recv().await {
                if !decide(&engine, &held, &mut lines, &execution, &request).await {
                    // Standard input is closed: nothing more can be asked.
                    return;
                }
            }
        });
        Self {
            requests,
            asking,
            handing,
        }
    }

    /// Waits until an answer being handed over is confirmed on the
    /// terminal: the run it ends may end first.
    pub async fn settle(&self) {
        let _ = self.handing.lock().await;
    }

    /// Queues `request` of `execution` to be asked.
    pub fn ask(&self, execution: &str, request: &ApprovalRequested) {
        let _ = self.requests.send((execution.to_owned(), request.clone()));
    }
}

impl Drop for Prompter {
    fn drop(&mut self) {
        self.asking.abort();
    }
}

/// Standard input's lines, read on a detached thread.
fn stdin_lines() -> mpsc::UnboundedReceiver<String> {
    let (tx, rx) = mpsc::unbounded_channel();
    std::thread::spawn(move || {
        for line in std::io::stdin().lock().lines() {
            let Ok(line) = line else { return };
            if tx.send(line).is_err() {
                return;
            }
        }
    });
    rx
}

/// Asks for one approval until the engine takes the answer or the
/// approval is no longer waiting; false once standard input is closed.
async fn decide(
    engine: &Engine,
    handing: &tokio::sync::Mutex<()>,
    lines: &mut mpsc::UnboundedReceiver<String>,
    execution: &str,
    request: &ApprovalRequested,
) -> bool {
    let mut err = std::io::stderr();
    let _ = writeln!(
        err,
        "\napproval '{}' of {execution}: {}",
        request.task_id, request.message
    );
    loop {
        let Some(verdict) = ask(lines, &request.input).await else {
            return false;
        };
        let decision = verdict.decision;
        let _handing = handing.lock().await;
        match engine
            .decide(execution, &request.task_id, verdict, |_| Ok(()))
            .await
        {
            Ok(_) => {
                let _ = writeln!(err, "  {}d", decision.label());
                return true;
            }
            Err(EngineError::Approval(ApprovalError::Invalid(m))) => {
                let _ = writeln!(err, "  {m}; again:");
            }
            Err(e) => {
                let _ = writeln!(err, "  not taken: {e}");
                return true;
            }
        }
    }
}

/// One answer: the decision, a reason, and (approving) the input fields.
async fn ask(
    lines: &mut mpsc::UnboundedReceiver<String>,
    fields: &[ApprovalField],
) -> Option<Verdict> {
    let decision = loop {
        let answer = question(lines, "approve or reject? [a/r]").await?;
        match answer.to_lowercase().as_str() {
            "a" | "approve" | "y" | "yes" => break Decision::Approve,
            "r" | "reject" | "n" | "no" => break Decision::Reject,
            _ => {}
        }
    };
    let reason = question(lines, "reason").await?;
    let mut input = Map::new();
    if decision == Decision::Approve {
        for f in fields {
            if let Some(v) = field(lines, f).await? {
                input.insert(f.name.clone(), v);
            }
        }
    }
    Some(Verdict {
        decision,
        by: DECIDED_BY.to_owned(),
        reason,
        input,
    })
}

/// One input field's value, asked until it reads as its type; None for an
/// optional field left empty.
async fn field(
    lines: &mut mpsc::UnboundedReceiver<String>,
    f: &ApprovalField,
) -> Option<Option<Value>> {
    let mut label = format!("{} ({}", f.name, f.r#type);
    if f.required {
        label.push_str(", required");
    }
    if !f.description.is_empty() {
        label.push_str(&format!(": {}", f.description));
    }
    label.push(')');
    loop {
        let text = question(lines, &label).await?;
        if text.is_empty() && !f.required {
            return Some(None);
        }
        match typed(&f.r#type, &text) {
            Some(v) => return Some(Some(v)),
            None => {
                let _ = writeln!(std::io::stderr(), "  expected a value of type {}", f.r#type);
            }
        }
    }
}

/// `text` as a value of the field type `kind`.
fn typed(kind: &str, text: &str) -> Option<Value> {
    match kind {
        "boolean" => match text.to_lowercase().as_str() {
            "y" | "yes" | "true" => Some(Value::Bool(true)),
            "n" | "no" | "false" => Some(Value::Bool(false)),
            _ => None,
        },
        "integer" => text.parse::<i64>().ok().map(Value::from),
        "number" => text
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map(Value::Number),
        _ if text.is_empty() => None,
        _ => Some(Value::String(text.to_owned())),
    }
}

/// Prints `prompt` and waits for the next line, trimmed.
async fn question(lines: &mut mpsc::UnboundedReceiver<String>, prompt: &str) -> Option<String> {
    let mut err = std::io::stderr();
    let _ = write!(err, "  {prompt}: ");
    let _ = err.flush();
    lines.recv().await.map(|l| l.trim().to_owned())
}

/// The approvals a run's events ask for, for the prompter.
pub fn requested(ev: &crate::proto::ExecutionEvent) -> Option<&ApprovalRequested> {
    match &ev.kind {
        Some(crate::proto::execution_event::Kind::ApprovalRequested(a)) => Some(a),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_read_as_their_field_type() {
        assert_eq!(typed("boolean", "Yes"), Some(Value::Bool(true)));
        assert_eq!(typed("boolean", "maybe"), None);
        assert_eq!(typed("integer", "42"), Some(Value::from(42)));
        assert_eq!(typed("integer", "4.2"), None);
        assert_eq!(typed("number", "4.5"), Some(serde_json::json!(4.5)));
        assert_eq!(typed("string", "CHG-1"), Some(Value::from("CHG-1")));
        assert_eq!(typed("string", ""), None);
    }
}
