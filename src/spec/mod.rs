//! Workflow definitions: loading YAML and JSON (the brief's flat task form
//! and the typed form), checking them, and compiling them into a [`Plan`].
//!
//! Checking reports every problem at once, each naming the task and field,
//! so a user fixes a file in one round trip.

pub mod approval;
mod graph;
mod load;
mod plan;
mod schema;
pub mod template;

use std::fmt;
use std::time::Duration;

pub use load::{
    Format, Limits, TASK_FIELDS, WORKFLOW_FIELDS, from_value, parse, typed_config_json,
};
pub use plan::{Plan, PlanTask, Retry, Runner, compile};
pub use schema::document_schemas;

use crate::plugins::Registry;
use crate::proto::WorkflowSpec;

/// One thing wrong with a definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The task's id, for task-level problems.
    pub task: Option<String>,
    /// The field (a dotted path inside the task or workflow), if any.
    pub field: String,
    /// What is wrong, in lower case.
    pub message: String,
}

impl Problem {
    /// A workflow-level problem.
    pub fn workflow(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            task: None,
            field: field.into(),
            message: message.into(),
        }
    }

    /// A problem of one task.
    pub fn task(task: &str, field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            task: Some(task.to_owned()),
            field: field.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(task) = &self.task {
            write!(f, "task '{task}': ")?;
        }
        if !self.field.is_empty() {
            write!(f, "{}: ", self.field)?;
        }
        f.write_str(&self.message)
    }
}

/// How problems name a task: by id, or by position (`#2`) when it has none,
/// so that no problem reads `task ''`.
pub(crate) fn task_label(index: usize, id: &str) -> std::borrow::Cow<'_, str> {
    if id.is_empty() {
        format!("#{index}").into()
    } else {
        id.into()
    }
}

/// How problems name a field from a mapping key: an empty key (`"": 1`)
/// is shown quoted, so that the problem still names it.
pub(crate) fn key_name(key: &str) -> &str {
    if key.is_empty() { "\"\"" } else { key }
}

/// A definition that cannot be used, with every problem found.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{}", render(.problems))]
pub struct SpecError {
    /// The problems, in the order they were found.
    pub problems: Vec<Problem>,
}

fn render(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(Problem::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

impl From<Vec<Problem>> for SpecError {
    fn from(problems: Vec<Problem>) -> Self {
        Self { problems }
    }
}

/// Loads and checks a definition from text, then compiles it: the one call
/// the command line and the API use. All problems of both steps are reported
/// together.
pub fn load(
    text: &str,
    format: Format,
    registry: &Registry,
    limits: &Limits,
) -> Result<(WorkflowSpec, Plan), SpecError> {
    let (spec, mut problems) = parse(text, format, limits)?;
    match compile(&spec, 0, registry) {
        Ok(plan) if problems.is_empty() => Ok((spec, plan)),
        Ok(_) => Err(problems.into()),
        Err(e) => {
            // Both steps look at some fields (a wrongly typed id is also a
            // missing one); report each task and field once.
            for q in e.problems {
                if !problems
                    .iter()
                    .any(|x| x.task == q.task && x.field == q.field)
                {
                    problems.push(q);
                }
            }
            Err(problems.into())
        }
    }
}

/// The longest duration a definition or setting may give: a year and a
/// day. Longer ones are mistakes, and near the top of the range they
/// overflow the clocks that deadlines are computed on.
pub const MAX_DURATION: Duration = Duration::from_secs(366 * 24 * 3600);

/// Parses a human duration: `250ms`, `5s`, `2m`, `1h30m`; at most
/// [`MAX_DURATION`].
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err("empty duration".into());
    }
    let d = humantime::parse_duration(t).map_err(|_| {
        format!("bad duration {text:?}: expected a number and a unit, like 250ms, 5s, 2m or 1h")
    })?;
    if d > MAX_DURATION {
        return Err(format!(
            "duration {text:?} is longer than the maximum of 366d"
        ));
    }
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_in_the_briefs_forms() {
        assert_eq!(parse_duration("5s").unwrap(), Duration::from_secs(5));
        assert_eq!(parse_duration("250ms").unwrap(), Duration::from_millis(250));
        assert_eq!(parse_duration("2m").unwrap(), Duration::from_secs(120));
        assert!(parse_duration("5").unwrap_err().contains("like 250ms"));
        assert!(parse_duration("soon").is_err());
    }

    #[test]
    fn durations_beyond_a_year_and_a_day_are_refused() {
        assert_eq!(parse_duration("366d").unwrap(), MAX_DURATION);
        for t in ["367d", "300000000000y", "18446744073709551615s"] {
            let e = parse_duration(t).unwrap_err();
            assert!(e.contains("366d") || e.contains("bad duration"), "{t}: {e}");
        }
        assert!(
            parse_duration("300000000000y")
                .unwrap_err()
                .contains("maximum of 366d")
        );
    }

    #[test]
    fn problems_print_task_field_and_message() {
        let p = Problem::task("enrich", "timeout", "bad duration");
        assert_eq!(p.to_string(), "task 'enrich': timeout: bad duration");
        assert_eq!(Problem::workflow("", "no tasks").to_string(), "no tasks");
    }
}
