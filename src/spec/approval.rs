//! The `approval` task: a person in the loop. It is not a plugin (nothing
//! runs; the engine waits, holding no slot, until someone decides), so its
//! config is checked and read here: the message (templated), who may
//! decide, what happens when nobody does in time (the task's `timeout`),
//! and the input asked of the approver, which is checked against these
//! fields when they answer.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::plugins::{ConfigProblem, is_templated};
use crate::proto::{ApprovalDefault, ApprovalField};

/// The `type:` name of approval tasks.
pub const KIND: &str = "approval";

/// The permissions an approval may require, by name (the server's table;
/// `approvals:decide` itself is always required).
pub const PERMISSIONS: &[&str] = &[
    "workflows:read",
    "workflows:write",
    "workflows:run",
    "workflows:cancel",
    "schedules:admin",
    "events:publish",
    "approvals:decide",
    "admin",
];

/// An approval task's config, rendered.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApprovalConfig {
    /// What the approver is asked.
    pub message: String,
    /// Token subjects that may decide; empty: anyone with the permission.
    #[serde(default)]
    pub approvers: Vec<String>,
    /// A permission the approver must hold besides `approvals:decide`.
    #[serde(default)]
    pub permission: String,
    /// `approve`, `reject` or `fail` (the default) at the task's timeout.
    #[serde(default)]
    pub on_timeout: Option<String>,
    /// The input asked of the approver, by field name.
    #[serde(default)]
    pub input: BTreeMap<String, FieldSpec>,
}

/// One field of input asked of the approver.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldSpec {
    /// `string` (default), `number`, `integer` or `boolean`.
    #[serde(default = "string_type", rename = "type")]
    pub kind: String,
    /// Must be given to approve.
    #[serde(default)]
    pub required: bool,
    /// What to enter.
    #[serde(default)]
    pub description: String,
}

fn string_type() -> String {
    "string".into()
}

const FIELD_TYPES: &[&str] = &["string", "number", "integer", "boolean"];

impl ApprovalConfig {
    /// A rendered config, or what is wrong with it.
    pub fn decode(config: &Value) -> Result<Self, String> {
        let c = Self::deserialize(config).map_err(|e| format!("config: {e}"))?;
        match c.problems().into_iter().next() {
            Some((field, m)) => Err(format!("config: {field}: {m}")),
            None => Ok(c),
        }
    }

    /// What happens at the timeout.
    pub fn on_timeout(&self) -> ApprovalDefault {
        match self.on_timeout.as_deref() {
            Some("approve") => ApprovalDefault::Approve,
            Some("reject") => ApprovalDefault::Reject,
            _ => ApprovalDefault::Fail,
        }
    }

    /// The input fields as the API shows them.
    pub fn fields(&self) -> Vec<ApprovalField> {
        self.input
            .iter()
            .map(|(name, f)| ApprovalField {
                name: name.clone(),
                r#type: f.kind.clone(),
                required: f.required,
                description: f.description.clone(),
            })
            .collect()
    }

    /// Problems of the literal (untemplated) parts.
    fn problems(&self) -> Vec<ConfigProblem> {
        let mut p = Vec::new();
        if self.message.trim().is_empty() {
            p.push((
                "message".into(),
                "required: what the approver is asked".into(),
            ));
        }
        for (i, a) in self.approvers.iter().enumerate() {
            if a.trim().is_empty() {
                p.push((format!("approvers[{i}]"), "empty subject".into()));
            }
        }
        let perm = &self.permission;
        if !perm.is_empty() && !is_templated(perm) && !PERMISSIONS.contains(&perm.as_str()) {
            p.push((
                "permission".into(),
                format!(
                    "unknown permission '{perm}'; known: {}",
                    PERMISSIONS.join(", ")
                ),
            ));
        }
        if let Some(d) = &self.on_timeout
            && !["approve", "reject", "fail"].contains(&d.as_str())
        {
            p.push((
                "on_timeout".into(),
                format!("expected approve, reject or fail, got '{d}'"),
            ));
        }
        for (name, f) in &self.input {
            if !FIELD_TYPES.contains(&f.kind.as_str()) {
                p.push((
                    format!("input.{name}.type"),
                    format!(
                        "expected one of {}, got '{}'",
                        FIELD_TYPES.join(", "),
                        f.kind
                    ),
                ));
            }
        }
        p
    }
}

/// Checks an approval task's config at definition time.
pub fn validate(config: &Value) -> Vec<ConfigProblem> {
    match ApprovalConfig::deserialize(config) {
        Ok(c) => c.problems(),
        Err(e) => vec![(String::new(), e.to_string())],
    }
}

/// Checks the input an approver gave against the fields asked for: no
/// unknown field, each of its type, the required ones present when
/// `approving`. The error names the field.
pub fn check_input(
    fields: &[ApprovalField],
    input: &Map<String, Value>,
    approving: bool,
) -> Result<(), String> {
    for name in input.keys() {
        if !fields.iter().any(|f| f.name == *name) {
            let asked: Vec<&str> = fields.iter().map(|f| f.name.as_str()).collect();
            return Err(match asked.is_empty() {
                true => format!("input.{name}: this approval asks for no input"),
                false => format!("input.{name}: not asked for; asked: {}", asked.join(", ")),
            });
        }
    }
    for f in fields {
        match input.get(&f.name) {
            None | Some(Value::Null) if f.required && approving => {
                return Err(format!("input.{}: required to approve", f.name));
            }
            None | Some(Value::Null) => {}
            Some(v) => {
                let fits = match f.r#type.as_str() {
                    "number" => v.is_number(),
                    "integer" => v.is_i64() || v.is_u64(),
                    "boolean" => v.is_boolean(),
                    _ => v.is_string(),
                };
                if !fits {
                    return Err(format!("input.{}: expected {}, got {v}", f.name, f.r#type));
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fields() -> Vec<ApprovalField> {
        ApprovalConfig::decode(&json!({
            "message": "block?",
            "input": {"ticket": {"required": true}, "hours": {"type": "integer"}}
        }))
        .unwrap()
        .fields()
    }

    #[test]
    fn definition_problems_name_their_field() {
        let p = validate(
            &json!({"message": "", "on_timeout": "maybe", "permission": "root",
            "input": {"n": {"type": "date"}}}),
        );
        let names: Vec<&str> = p.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(
            names,
            ["message", "permission", "on_timeout", "input.n.type"]
        );
        let p = validate(&json!({"message": "ok", "approver": ["a"]}));
        assert!(p[0].1.contains("unknown field `approver`"), "{p:?}");
        assert!(
            validate(&json!({"message": "block {{ input.ip }}?", "permission": "admin"}))
                .is_empty()
        );
    }

    #[test]
    fn input_is_checked_against_the_fields() {
        let f = fields();
        let ok = json!({"ticket": "CHG-1", "hours": 4});
        assert_eq!(check_input(&f, ok.as_object().unwrap(), true), Ok(()));
        let missing = json!({"hours": 4});
        assert_eq!(
            check_input(&f, missing.as_object().unwrap(), true).unwrap_err(),
            "input.ticket: required to approve"
        );
        // Rejecting needs no input.
        assert_eq!(check_input(&f, &Map::new(), false), Ok(()));
        let typed = json!({"ticket": "x", "hours": 1.5});
        assert!(
            check_input(&f, typed.as_object().unwrap(), true)
                .unwrap_err()
                .starts_with("input.hours: expected integer")
        );
        let extra = json!({"ticket": "x", "why": "y"});
        assert!(
            check_input(&f, extra.as_object().unwrap(), true)
                .unwrap_err()
                .starts_with("input.why: not asked for")
        );
    }
}
