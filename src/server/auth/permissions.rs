//! The one table of what every RPC and every REST route needs. Both
//! transports look a call up here before anything else happens; a call the
//! table does not know is refused, so a new RPC or route cannot ship
//! unguarded (a test walks the reflection service's methods against it).

use axum::http::Method;

/// A permission a token can carry, by the name it carries it under.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Permission {
    /// Read definitions, executions and their events.
    WorkflowsRead,
    /// Create, update, archive, restore, purge and validate definitions.
    WorkflowsWrite,
    /// Run and retry executions, and watch the ones the caller started.
    WorkflowsRun,
    /// Cancel executions.
    WorkflowsCancel,
    /// Create, change and delete schedules and triggers.
    SchedulesAdmin,
    /// Publish events to triggers.
    EventsPublish,
    /// Approve or reject pending approvals (each approval may narrow who).
    ApprovalsDecide,
    /// Store statistics, compaction, the audit trail.
    Admin,
}

impl Permission {
    /// Every permission, in the README's order.
    pub const ALL: [Permission; 8] = [
        Permission::WorkflowsRead,
        Permission::WorkflowsWrite,
        Permission::WorkflowsRun,
        Permission::WorkflowsCancel,
        Permission::SchedulesAdmin,
        Permission::EventsPublish,
        Permission::ApprovalsDecide,
        Permission::Admin,
    ];

    /// The name tokens carry it under.
    pub fn name(self) -> &'static str {
        match self {
            Permission::WorkflowsRead => "workflows:read",
            Permission::WorkflowsWrite => "workflows:write",
            Permission::WorkflowsRun => "workflows:run",
            Permission::WorkflowsCancel => "workflows:cancel",
            Permission::SchedulesAdmin => "schedules:admin",
            Permission::EventsPublish => "events:publish",
            Permission::ApprovalsDecide => "approvals:decide",
            Permission::Admin => "admin",
        }
    }

    /// The permission of this name, if there is one.
    pub fn from_name(name: &str) -> Option<Permission> {
        Permission::ALL.into_iter().find(|p| p.name() == name)
    }

    /// A bit of its own, for a set of permissions in one word.
    pub(super) fn bit(self) -> u8 {
        1 << self as u8
    }
}

/// What a call needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// Nothing: health checks and probes.
    Open,
    /// A valid token, no particular permission (reflection: the schema).
    Authenticated,
    /// Its own proof instead of a token (webhooks: their HMAC signature).
    Signed,
    /// A valid token carrying this permission.
    Need(Permission),
    /// `workflows:read`, or `workflows:run` for an execution the caller
    /// started (the handler checks whose it is).
    ReadOrOwn,
}

use Permission::*;
use Rule::*;

/// Every RPC by its full gRPC path, and what it needs.
pub const RPCS: &[(&str, Rule)] = &[
    (
        "/orchestrator.v1.WorkflowService/CreateWorkflow",
        Need(WorkflowsWrite),
    ),
    (
        "/orchestrator.v1.WorkflowService/UpdateWorkflow",
        Need(WorkflowsWrite),
    ),
    (
        "/orchestrator.v1.WorkflowService/GetWorkflow",
        Need(WorkflowsRead),
    ),
    (
        "/orchestrator.v1.WorkflowService/ListWorkflows",
        Need(WorkflowsRead),
    ),
    (
        "/orchestrator.v1.WorkflowService/ListWorkflowVersions",
        Need(WorkflowsRead),
    ),
    (
        "/orchestrator.v1.WorkflowService/ArchiveWorkflow",
        Need(WorkflowsWrite),
    ),
    (
        "/orchestrator.v1.WorkflowService/RestoreWorkflow",
        Need(WorkflowsWrite),
    ),
    (
        "/orchestrator.v1.WorkflowService/PurgeWorkflow",
        Need(WorkflowsWrite),
    ),
    (
        "/orchestrator.v1.WorkflowService/ValidateWorkflow",
        Need(WorkflowsWrite),
    ),
    ("/orchestrator.v1.ExecutionService/Run", Need(WorkflowsRun)),
    (
        "/orchestrator.v1.ExecutionService/RunStream",
        Need(WorkflowsRun),
    ),
    ("/orchestrator.v1.ExecutionService/Watch", ReadOrOwn),
    (
        "/orchestrator.v1.ExecutionService/WatchExecutions",
        Need(WorkflowsRead),
    ),
    ("/orchestrator.v1.ExecutionService/GetExecution", ReadOrOwn),
    (
        "/orchestrator.v1.ExecutionService/ListExecutions",
        Need(WorkflowsRead),
    ),
    (
        "/orchestrator.v1.ExecutionService/ListActive",
        Need(WorkflowsRead),
    ),
    (
        "/orchestrator.v1.ExecutionService/Cancel",
        Need(WorkflowsCancel),
    ),
    (
        "/orchestrator.v1.ExecutionService/Retry",
        Need(WorkflowsRun),
    ),
    ("/orchestrator.v1.AdminService/Stats", Need(Admin)),
    ("/orchestrator.v1.AdminService/Compact", Need(Admin)),
    ("/orchestrator.v1.AdminService/Backup", Need(Admin)),
    ("/orchestrator.v1.AdminService/ListAudit", Need(Admin)),
    (
        "/orchestrator.v1.ScheduleService/CreateSchedule",
        Need(SchedulesAdmin),
    ),
    (
        "/orchestrator.v1.ScheduleService/UpdateSchedule",
        Need(SchedulesAdmin),
    ),
    (
        "/orchestrator.v1.ScheduleService/GetSchedule",
        Need(WorkflowsRead),
    ),
    (
        "/orchestrator.v1.ScheduleService/ListSchedules",
        Need(WorkflowsRead),
    ),
    (
        "/orchestrator.v1.ScheduleService/DeleteSchedule",
        Need(SchedulesAdmin),
    ),
    (
        "/orchestrator.v1.ScheduleService/PauseSchedule",
        Need(SchedulesAdmin),
    ),
    (
        "/orchestrator.v1.ScheduleService/ResumeSchedule",
        Need(SchedulesAdmin),
    ),
    ("/orchestrator.v1.EventService/Publish", Need(EventsPublish)),
    (
        "/orchestrator.v1.EventService/CreateTrigger",
        Need(SchedulesAdmin),
    ),
    (
        "/orchestrator.v1.EventService/UpdateTrigger",
        Need(SchedulesAdmin),
    ),
    (
        "/orchestrator.v1.EventService/GetTrigger",
        Need(WorkflowsRead),
    ),
    (
        "/orchestrator.v1.EventService/ListTriggers",
        Need(WorkflowsRead),
    ),
    (
        "/orchestrator.v1.EventService/DeleteTrigger",
        Need(SchedulesAdmin),
    ),
    (
        "/orchestrator.v1.ApprovalService/ListApprovals",
        Need(WorkflowsRead),
    ),
    (
        "/orchestrator.v1.ApprovalService/Decide",
        Need(ApprovalsDecide),
    ),
    ("/grpc.health.v1.Health/Check", Open),
    ("/grpc.health.v1.Health/Watch", Open),
    (
        "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
        Authenticated,
    ),
    (
        "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
        Authenticated,
    ),
];

/// Every REST route by method and path pattern (axum's `{param}` syntax),
/// and what it needs. `/metrics` is here as `Open`; `METRICS_AUTH` makes
/// it `Need(Admin)`.
pub const ROUTES: &[(Method, &str, Rule)] = &[
    (Method::GET, "/healthz", Open),
    (Method::GET, "/metrics", Open),
    (Method::GET, "/v1/openapi.json", Open),
    (Method::POST, "/v1/workflows", Need(WorkflowsWrite)),
    (Method::GET, "/v1/workflows", Need(WorkflowsRead)),
    (Method::POST, "/v1/workflows/validate", Need(WorkflowsWrite)),
    (Method::GET, "/v1/workflows/{name}", Need(WorkflowsRead)),
    (Method::PUT, "/v1/workflows/{name}", Need(WorkflowsWrite)),
    (Method::DELETE, "/v1/workflows/{name}", Need(WorkflowsWrite)),
    (
        Method::GET,
        "/v1/workflows/{name}/versions",
        Need(WorkflowsRead),
    ),
    (
        Method::POST,
        "/v1/workflows/{name}/archive",
        Need(WorkflowsWrite),
    ),
    (
        Method::POST,
        "/v1/workflows/{name}/restore",
        Need(WorkflowsWrite),
    ),
    (Method::POST, "/v1/run", Need(WorkflowsRun)),
    (Method::POST, "/v1/cancel/{id}", Need(WorkflowsCancel)),
    (Method::GET, "/v1/executions", Need(WorkflowsRead)),
    (Method::GET, "/v1/executions/active", Need(WorkflowsRead)),
    (Method::GET, "/v1/executions/stream", Need(WorkflowsRead)),
    (Method::GET, "/v1/executions/{id}", ReadOrOwn),
    (Method::GET, "/v1/executions/{id}/events", ReadOrOwn),
    (
        Method::POST,
        "/v1/executions/{id}/retry",
        Need(WorkflowsRun),
    ),
    (Method::GET, "/v1/stats/db", Need(Admin)),
    (Method::POST, "/v1/admin/compact", Need(Admin)),
    (Method::POST, "/v1/admin/backup", Need(Admin)),
    (Method::GET, "/v1/audit", Need(Admin)),
    (Method::POST, "/v1/schedules", Need(SchedulesAdmin)),
    (Method::GET, "/v1/schedules", Need(WorkflowsRead)),
    (Method::GET, "/v1/schedules/{id}", Need(WorkflowsRead)),
    (Method::PUT, "/v1/schedules/{id}", Need(SchedulesAdmin)),
    (Method::DELETE, "/v1/schedules/{id}", Need(SchedulesAdmin)),
    (
        Method::POST,
        "/v1/schedules/{id}/pause",
        Need(SchedulesAdmin),
    ),
    (
        Method::POST,
        "/v1/schedules/{id}/resume",
        Need(SchedulesAdmin),
    ),
    (Method::POST, "/v1/events", Need(EventsPublish)),
    (Method::POST, "/v1/triggers", Need(SchedulesAdmin)),
    (Method::GET, "/v1/triggers", Need(WorkflowsRead)),
    (Method::GET, "/v1/triggers/{id}", Need(WorkflowsRead)),
    (Method::PUT, "/v1/triggers/{id}", Need(SchedulesAdmin)),
    (Method::DELETE, "/v1/triggers/{id}", Need(SchedulesAdmin)),
    (Method::POST, "/v1/webhooks/{name}", Signed),
    (Method::GET, "/v1/approvals", Need(WorkflowsRead)),
    (
        Method::POST,
        "/v1/approvals/{execution_id}/{task_id}",
        Need(ApprovalsDecide),
    ),
];

/// What the RPC at this gRPC path needs; None for one the table lacks.
/// Every call asks, so the table is indexed once.
pub fn rpc_rule(path: &str) -> Option<Rule> {
    static BY_PATH: std::sync::LazyLock<std::collections::HashMap<&str, Rule>> =
        std::sync::LazyLock::new(|| RPCS.iter().copied().collect());
    BY_PATH.get(path).copied()
}

/// What this route needs; None for one the table lacks. `route` is the
/// matched pattern (`/v1/executions/{id}`), not the request's path.
pub fn route_rule(method: &Method, route: &str) -> Option<Rule> {
    ROUTES
        .iter()
        .find(|(m, r, _)| m == method && *r == route)
        .map(|(_, _, rule)| *rule)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_bits_are_distinct() {
        let mut bits = 0u8;
        for p in Permission::ALL {
            assert_eq!(Permission::from_name(p.name()), Some(p));
            assert_eq!(bits & p.bit(), 0);
            bits |= p.bit();
        }
        assert_eq!(Permission::from_name("workflows:*"), None);
    }

    #[test]
    fn approvals_know_every_permission() {
        let mut ours: Vec<&str> = Permission::ALL.iter().map(|p| p.name()).collect();
        let mut known = crate::spec::approval::PERMISSIONS.to_vec();
        known.sort_unstable();
        ours.sort_unstable();
        assert_eq!(known, ours);
    }

    #[test]
    fn each_call_is_listed_once() {
        let mut rpcs: Vec<_> = RPCS.iter().map(|(p, _)| *p).collect();
        rpcs.sort_unstable();
        rpcs.dedup();
        assert_eq!(rpcs.len(), RPCS.len());
        let mut routes: Vec<_> = ROUTES.iter().map(|(m, r, _)| (m.as_str(), *r)).collect();
        routes.sort_unstable();
        routes.dedup();
        assert_eq!(routes.len(), ROUTES.len());
    }
}
