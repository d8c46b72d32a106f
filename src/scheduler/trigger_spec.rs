//! Checking a trigger definition (event type pattern, filter expression,
//! policy, webhook secret); `webhook.rs` checks the webhook requests.

use wildmatch::WildMatch;

use super::spec::{SpecProblem, check_id, policy};
use crate::proto::{ConcurrencyPolicy, TriggerSpec};
use crate::spec::template::Expr;

/// Shortest webhook secret accepted: an HMAC key should not be guessable.
pub const MIN_SECRET_LEN: usize = 16;

/// How a trigger matches event types.
#[derive(Debug, Clone)]
pub enum Pattern {
    /// This type only.
    Exact(String),
    /// A glob (`*`, `?`).
    Glob(WildMatch),
}

impl Pattern {
    /// Whether `event_type` matches.
    pub fn matches(&self, event_type: &str) -> bool {
        match self {
            Self::Exact(t) => t == event_type,
            Self::Glob(g) => g.matches(event_type),
        }
    }
}

/// A checked trigger definition.
#[derive(Debug, Clone)]
pub struct CompiledTrigger {
    /// Which event types it takes.
    pub pattern: Pattern,
    /// The filter, if any.
    pub filter: Option<Expr>,
    /// What an event does at the concurrency bound.
    pub policy: ConcurrencyPolicy,
}

/// Checks a definition; the first problem found, by field.
pub fn compile_trigger(spec: &TriggerSpec) -> Result<CompiledTrigger, SpecProblem> {
    let problem = |field, message: String| SpecProblem { field, message };
    if spec.workflow_name.trim().is_empty() {
        return Err(problem("workflow_name", "required".into()));
    }
    check_id(&spec.id)?;
    let pattern = match spec.event_type.trim() {
        "" => return Err(problem("event_type", "required".into())),
        t if t.chars().any(|c| c.is_whitespace() || c.is_control()) => {
            return Err(problem("event_type", format!("{t:?} contains spaces")));
        }
        t if t.contains(['*', '?']) => Pattern::Glob(WildMatch::new(t)),
        t => Pattern::Exact(t.to_owned()),
    };
    let filter = match spec.filter.trim() {
        "" => None,
        f => {
            let expr = Expr::compile(f).map_err(|m| problem("filter", m))?;
            if let Some(other) = expr
                .names()
                .into_iter()
                .find(|n| n.root != "event" && n.root != "event_type")
            {
                return Err(problem(
                    "filter",
                    format!(
                        "unknown name '{}'; a filter sees `event` (the event's data) and `event_type`",
                        other.root
                    ),
                ));
            }
            Some(expr)
        }
    };
    let policy = policy(spec.concurrency_policy)?;
    if !spec.webhook_secret.is_empty() && spec.webhook_secret.len() < MIN_SECRET_LEN {
        return Err(problem(
            "webhook_secret",
            format!("at least {MIN_SECRET_LEN} characters"),
        ));
    }
    if spec.webhook_require_timestamp && spec.webhook_secret.is_empty() {
        return Err(problem(
            "webhook_require_timestamp",
            "needs a webhook_secret: only webhook requests carry a timestamp".into(),
        ));
    }
    Ok(CompiledTrigger {
        pattern,
        filter,
        policy,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> TriggerSpec {
        TriggerSpec {
            workflow_name: "threat_response".into(),
            event_type: "kafka.threat_*".into(),
            filter: r#"event.severity == "high""#.into(),
            ..Default::default()
        }
    }

    #[test]
    fn globs_and_exact_types() {
        let c = compile_trigger(&spec()).unwrap();
        assert!(c.pattern.matches("kafka.threat_detected"));
        assert!(!c.pattern.matches("kafka.login"));
        let mut exact = spec();
        exact.event_type = "kafka.threat_detected".into();
        let c = compile_trigger(&exact).unwrap();
        assert!(c.pattern.matches("kafka.threat_detected"));
        assert!(!c.pattern.matches("kafka.threat_detected2"));
    }

    #[test]
    fn each_bad_field_is_named() {
        let field = |f: fn(&mut TriggerSpec)| {
            let mut s = spec();
            f(&mut s);
            compile_trigger(&s).unwrap_err().field
        };
        assert_eq!(field(|s| s.workflow_name.clear()), "workflow_name");
        assert_eq!(field(|s| s.event_type.clear()), "event_type");
        assert_eq!(field(|s| s.event_type = "a b".into()), "event_type");
        assert_eq!(field(|s| s.filter = "event.severity ==".into()), "filter");
        assert_eq!(field(|s| s.filter = "input.x == 1".into()), "filter");
        assert_eq!(field(|s| s.concurrency_policy = 7), "concurrency_policy");
        assert_eq!(
            field(|s| s.webhook_secret = "short".into()),
            "webhook_secret"
        );
        assert_eq!(field(|s| s.id = "a/b".into()), "id");
        assert_eq!(
            field(|s| s.webhook_require_timestamp = true),
            "webhook_require_timestamp"
        );
    }
}
