//! The generated protobuf types (`proto/orchestrator/v1`) and the few
//! conversions every layer needs: JSON values to and from
//! `google.protobuf.Value`, timestamps, and the lower-case state names the
//! product brief prints.

use std::time::{SystemTime, UNIX_EPOCH};

use pbjson_types::{ListValue, Struct, Timestamp, Value as PbValue, value::Kind};
use serde_json::{Map, Number, Value};

/// Generated messages of package `orchestrator.v1`.
#[allow(missing_docs, clippy::all)]
pub mod v1 {
    include!(concat!(env!("OUT_DIR"), "/orchestrator.v1.rs"));
    include!(concat!(env!("OUT_DIR"), "/orchestrator.v1.serde.rs"));
}

pub use v1::*;

/// The file-descriptor set of `proto/`, for server reflection.
pub const FILE_DESCRIPTOR_SET: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/orchestrator_descriptor.bin"));

/// Converts a JSON value into a `google.protobuf.Value`.
pub fn json_to_pb(value: &Value) -> PbValue {
    let kind = match value {
        Value::Null => Kind::NullValue(0),
        Value::Bool(b) => Kind::BoolValue(*b),
        Value::Number(n) => Kind::NumberValue(n.as_f64().unwrap_or(f64::NAN)),
        Value::String(s) => Kind::StringValue(s.clone()),
        Value::Array(items) => Kind::ListValue(ListValue {
            values: items.iter().map(json_to_pb).collect(),
        }),
        Value::Object(map) => Kind::StructValue(json_map_to_struct(map)),
    };
    PbValue { kind: Some(kind) }
}

/// Converts a JSON object into a `google.protobuf.Struct`.
pub fn json_map_to_struct(map: &Map<String, Value>) -> Struct {
    Struct {
        fields: map
            .iter()
            .map(|(k, v)| (k.clone(), json_to_pb(v)))
            .collect(),
    }
}

/// Converts a `google.protobuf.Value` into JSON. Whole numbers come back as
/// integers: protobuf keeps every number as a double, users wrote `3`.
pub fn pb_to_json(value: &PbValue) -> Value {
    match &value.kind {
        None | Some(Kind::NullValue(_)) => Value::Null,
        Some(Kind::BoolValue(b)) => Value::Bool(*b),
        Some(Kind::NumberValue(n)) => number_to_json(*n),
        Some(Kind::StringValue(s)) => Value::String(s.clone()),
        Some(Kind::ListValue(list)) => Value::Array(list.values.iter().map(pb_to_json).collect()),
        Some(Kind::StructValue(s)) => Value::Object(struct_to_json_map(s)),
    }
}

/// Converts a `google.protobuf.Struct` into a JSON object.
pub fn struct_to_json_map(s: &Struct) -> Map<String, Value> {
    s.fields
        .iter()
        .map(|(k, v)| (k.clone(), pb_to_json(v)))
        .collect()
}

/// Rewrites whole-number doubles as integers throughout a JSON value, as
/// `pb_to_json` does: protobuf keeps every number as a double, users wrote `3`.
pub fn whole_numbers_as_integers(v: &mut Value) {
    match v {
        Value::Number(n) if n.is_f64() => *v = number_to_json(n.as_f64().unwrap_or(f64::NAN)),
        Value::Array(items) => items.iter_mut().for_each(whole_numbers_as_integers),
        Value::Object(map) => map.values_mut().for_each(whole_numbers_as_integers),
        _ => {}
    }
}

fn number_to_json(n: f64) -> Value {
    // 2^53: beyond it a double no longer holds every integer exactly.
    const EXACT: f64 = 9_007_199_254_740_992.0;
    if n.fract() == 0.0 && n.abs() <= EXACT {
        Value::Number(Number::from(n as i64))
    } else {
        Number::from_f64(n).map_or(Value::Null, Value::Number)
    }
}

/// The current time as a protobuf timestamp.
pub fn now() -> Timestamp {
    timestamp_from(SystemTime::now())
}

/// A system time as a protobuf timestamp.
pub fn timestamp_from(t: SystemTime) -> Timestamp {
    let d = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    Timestamp {
        seconds: d.as_secs() as i64,
        nanos: d.subsec_nanos() as i32,
    }
}

/// A protobuf timestamp of milliseconds since the Unix epoch.
pub fn timestamp_from_ms(ms: i64) -> Timestamp {
    Timestamp {
        seconds: ms.div_euclid(1000),
        nanos: (ms.rem_euclid(1000) * 1_000_000) as i32,
    }
}

/// Milliseconds since the Unix epoch of a protobuf timestamp.
pub fn timestamp_ms(t: &Timestamp) -> i64 {
    t.seconds * 1000 + i64::from(t.nanos) / 1_000_000
}

/// Milliseconds between two timestamps, 0 when `end` is before `start`.
pub fn elapsed_ms(start: Option<&Timestamp>, end: Option<&Timestamp>) -> u64 {
    match (start, end) {
        (Some(s), Some(e)) => (timestamp_ms(e) - timestamp_ms(s)).max(0) as u64,
        _ => 0,
    }
}

/// The labels of every value of a proto enum (whose numbers are small).
fn labels<T: TryFrom<i32>>(label: fn(T) -> &'static str) -> Vec<&'static str> {
    (0..16)
        .filter_map(|n| T::try_from(n).ok())
        .map(label)
        .collect()
}

impl ExecutionState {
    /// The brief's lower-case name ("completed").
    pub fn label(self) -> &'static str {
        match self {
            Self::Unspecified => "unspecified",
            Self::Pending => "pending",
            Self::Running => "running",
            Self::Completed => "completed",
            Self::Failed => "failed",
            Self::Cancelled => "cancelled",
            Self::TimedOut => "timed_out",
            Self::Waiting => "waiting",
        }
    }

    /// Every state's label, in number order: what REST documents.
    pub fn labels() -> Vec<&'static str> {
        labels(Self::label)
    }

    /// True once the execution can change no more.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            Self::Completed | Self::Failed | Self::Cancelled | Self::TimedOut
        )
    }
}

impl ChangeKind {
    /// The lower-case name REST and SSE use ("task_ended").
    pub fn label(self) -> &'static str {
        match self {
            Self::Unspecified => "unspecified",
            Self::ExecutionStarted => "execution_started",
            Self::ExecutionResumed => "execution_resumed",
            Self::TaskStarted => "task_started",
            Self::TaskRetrying => "task_retrying",
            Self::TaskEnded => "task_ended",
            Self::ExecutionEnded => "execution_ended",
            Self::ApprovalRequested => "approval_requested",
        }
    }

    /// Every kind's label, in number order: what REST documents.
    pub fn labels() -> Vec<&'static str> {
        labels(Self::label)
    }
}

impl TaskState {
    /// The brief's lower-case name ("succeeded").
    pub fn label(self) -> &'static str {
        match self {
            Self::Unspecified => "unspecified",
            Self::Pending => "pending",
            Self::Running => "running",
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
            Self::Skipped => "skipped",
            Self::Cancelled => "cancelled",
            Self::TimedOut => "timed_out",
            Self::Waiting => "waiting",
        }
    }

    /// Every state's label, in number order: what REST documents.
    pub fn labels() -> Vec<&'static str> {
        labels(Self::label)
    }

    /// True once the task can change no more.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            Self::Succeeded | Self::Failed | Self::Skipped | Self::Cancelled | Self::TimedOut
        )
    }
}

impl ApprovalDefault {
    /// The workflow file's `on_timeout` word ("approve"); unset is "fail".
    pub fn label(self) -> &'static str {
        match self {
            Self::Approve => "approve",
            Self::Reject => "reject",
            Self::Fail | Self::Unspecified => "fail",
        }
    }
}

impl Decision {
    /// The lower-case word REST uses ("approve"); unset reads "reject",
    /// which is what the engine makes of it.
    pub fn label(self) -> &'static str {
        match self {
            Self::Approve => "approve",
            Self::Reject | Self::Unspecified => "reject",
        }
    }

    /// The decision a REST word names.
    pub fn from_label(word: &str) -> Option<Self> {
        match word {
            "approve" => Some(Self::Approve),
            "reject" => Some(Self::Reject),
            _ => None,
        }
    }
}

impl Approval {
    /// The history event that records this approval's request.
    pub fn request(&self) -> ApprovalRequested {
        ApprovalRequested {
            task_id: self.task_id.clone(),
            message: self.message.clone(),
            approvers: self.approvers.clone(),
            permission: self.permission.clone(),
            input: self.input.clone(),
            requested_at: self.requested_at,
            deadline: self.deadline,
            on_timeout: self.on_timeout,
        }
    }

    /// The approval a request event of execution `e` stands for.
    pub fn requested(e: &Execution, r: &ApprovalRequested) -> Self {
        Approval {
            execution_id: e.id.clone(),
            workflow: e.workflow.clone(),
            task_id: r.task_id.clone(),
            message: r.message.clone(),
            approvers: r.approvers.clone(),
            permission: r.permission.clone(),
            input: r.input.clone(),
            requested_at: r.requested_at,
            deadline: r.deadline,
            on_timeout: r.on_timeout,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn json_round_trips_through_protobuf_value_keeping_integers() {
        let v = json!({"a": 3, "b": [1.5, "x", null, true], "c": {"d": -7}});
        assert_eq!(pb_to_json(&json_to_pb(&v)), v);
    }
}
