//! `orchestrator export` and `import`: a running server's definitions —
//! every version of every workflow, schedules, triggers — as one YAML or
//! JSON document, and that document applied to another server (another
//! store, another engine's definitions converted by hand, a restore).
//! Through the gRPC API, so it works the same on RocksDB and PostgreSQL.
//!
//! Import checks the whole document first (its shape, every workflow
//! version compiled by the target server, every schedule and trigger) and
//! writes nothing if any of it is wrong. It is idempotent: what the
//! target holds already is left as it is, a workflow whose latest version
//! differs gets the exported latest as a new version, and one the target
//! lacks gets every exported version in order (so version numbers match).

use std::collections::{BTreeMap, HashSet};
use std::io::Write;
use std::path::Path;

use serde::{Deserialize, Serialize};
use tonic::Code;

use super::{ClientArgs, EXIT_FAILED, EXIT_OK, EXIT_USAGE, Output, fail};
use crate::client::Authed;
use crate::proto::event_service_client::EventServiceClient;
use crate::proto::schedule_service_client::ScheduleServiceClient;
use crate::proto::workflow_service_client::WorkflowServiceClient;
use crate::proto::{
    CreateScheduleRequest, CreateTriggerRequest, CreateWorkflowRequest, GetWorkflowRequest,
    ListSchedulesRequest, ListTriggersRequest, ListWorkflowVersionsRequest, ListWorkflowsRequest,
    ScheduleSpec, TriggerSpec, UpdateScheduleRequest, UpdateTriggerRequest, UpdateWorkflowRequest,
    ValidateWorkflowRequest, WorkflowName, WorkflowSpec,
};

/// The document's format version; a later one is refused.
const FORMAT: u32 = 1;

/// What webhook secrets read as (reads never return them).
const REDACTED: &str = "***";

/// Document formats.
/// An export document.
#[derive(Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Export {
    /// Format version of this document (1).
    pub orchestrator_export: u32,
    /// When it was made (RFC 3339; informational).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub exported_at: String,
    /// Workflows by name, each with every version, oldest first.
    #[serde(default)]
    pub workflows: Vec<ExportedWorkflow>,
    /// Schedules.
    #[serde(default)]
    pub schedules: Vec<ScheduleSpec>,
    /// Triggers; webhook secrets read as `***` (fill them in to import a
    /// webhook trigger the target lacks).
    #[serde(default)]
    pub triggers: Vec<TriggerSpec>,
}

/// One workflow's versions.
#[derive(Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ExportedWorkflow {
    /// Its name.
    pub name: String,
    /// Archived (kept, not runnable).
    #[serde(default)]
    pub archived: bool,
    /// Every version, oldest first: each as the API's JSON of a
    /// `WorkflowSpec` (what export writes), or as a definition document
    /// in the brief's form (what a workflow file holds).
    pub versions: Vec<serde_json::Value>,
}

/// Largest answer the export reads (tonic's default is 4 MiB; a catalogue
/// of big definitions comes back in one ListWorkflows).
const MAX_MESSAGE_BYTES: usize = 256 << 20;

/// A version of a document as a spec: the API's JSON of it, else a
/// definition document, read as a workflow file is.
pub(super) fn version_spec(v: &serde_json::Value) -> Result<WorkflowSpec, String> {
    if let Ok(spec) = serde_json::from_value::<WorkflowSpec>(v.clone()) {
        return Ok(spec);
    }
    let limits = crate::spec::Limits {
        max_bytes: usize::MAX,
        ..Default::default()
    };
    match crate::spec::from_value(v.clone(), &limits) {
        Ok((spec, problems)) if problems.is_empty() => Ok(spec),
        Ok((_, problems)) => Err(problems
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("; ")),
        Err(e) => Err(e.to_string()),
    }
}

/// Writes the server's definitions to `out` as YAML (JSON with `-o json`);
/// the exit code.
pub async fn export(args: &ClientArgs, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    match read_all(args).await {
        Ok(doc) => {
            let text = match args.output {
                Output::Json => serde_json::to_string_pretty(&doc)
                    .map(|t| t + "\n")
                    .map_err(|e| e.to_string()),
                Output::Text | Output::Yaml => {
                    serde_norway::to_string(&doc).map_err(|e| e.to_string())
                }
            };
            match text.map(|t| out.write_all(t.as_bytes())) {
                Ok(Ok(())) => {
                    let _ = writeln!(
                        err,
                        "exported {} workflows, {} schedules, {} triggers",
                        doc.workflows.len(),
                        doc.schedules.len(),
                        doc.triggers.len()
                    );
                    EXIT_OK
                }
                Ok(Err(e)) => fail(err, &format!("cannot write the export: {e}"), EXIT_FAILED),
                Err(e) => fail(err, &format!("cannot encode the export: {e}"), EXIT_FAILED),
            }
        }
        Err(e) => fail(err, &e, EXIT_FAILED),
    }
}

/// Applies the document at `path` to the server (or only checks it, with
/// `dry_run`); the exit code.
pub async fn import(
    args: &ClientArgs,
    path: &Path,
    dry_run: bool,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> i32 {
    let doc = match super::read_file(path).and_then(|text| parse(&text)) {
        Ok(doc) => doc,
        Err(e) => return fail(err, &format!("{}: {e}", path.display()), EXIT_USAGE),
    };
    let target = match Target::connect(args).await {
        Ok(t) => t,
        Err(e) => return fail(err, &e, EXIT_FAILED),
    };
    let plan = match target.plan(&doc).await {
        Ok(plan) => plan,
        Err(Refusal::Invalid(e)) => {
            return fail(
                err,
                &format!("{}: {e}; nothing was imported", path.display()),
                EXIT_USAGE,
            );
        }
        Err(Refusal::Server(e)) => return fail(err, &e, EXIT_FAILED),
    };
    for step in &plan {
        let _ = writeln!(out, "{}{step}", if dry_run { "would " } else { "" });
    }
    if dry_run {
        return EXIT_OK;
    }
    for step in plan {
        if let Err(e) = target.apply(&step).await {
            return fail(err, &format!("{step}: {e}"), EXIT_FAILED);
        }
    }
    EXIT_OK
}

/// Reads a document (YAML, which JSON is a subset of), checking its shape
/// and format version.
pub fn parse(text: &str) -> Result<Export, String> {
    let de = serde_norway::Deserializer::from_str(text);
    let doc: Export = serde_path_to_error::deserialize(de).map_err(|e| {
        let at = e.path().to_string();
        let inner = e.into_inner();
        if at == "." {
            inner.to_string()
        } else {
            format!("{at}: {inner}")
        }
    })?;
    if doc.orchestrator_export != FORMAT {
        return Err(format!(
            "orchestrator_export: format {} is not one this version reads ({FORMAT})",
            doc.orchestrator_export
        ));
    }
    Ok(doc)
}

async fn read_all(args: &ClientArgs) -> Result<Export, String> {
    let ch = args.channel().await.map_err(|e| e.to_string())?;
    let mut workflows =
        WorkflowServiceClient::new(ch.clone()).max_decoding_message_size(MAX_MESSAGE_BYTES);
    let listed = workflows
        .list_workflows(ListWorkflowsRequest {
            include_archived: true,
        })
        .await
        .map_err(|s| super::refusal(&s))?
        .into_inner()
        .workflows;
    let mut exported = Vec::with_capacity(listed.len());
    for w in listed {
        let name = w.spec.map(|s| s.name).unwrap_or_default();
        let mut versions = workflows
            .list_workflow_versions(ListWorkflowVersionsRequest { name: name.clone() })
            .await
            .map_err(|s| format!("workflow '{name}': {}", super::refusal(&s)))?
            .into_inner()
            .workflows;
        versions.sort_by_key(|v| v.version);
        exported.push(ExportedWorkflow {
            name,
            archived: w.archived,
            versions: versions
                .into_iter()
                .filter_map(|v| v.spec)
                .map(|spec| serde_json::to_value(spec).map_err(|e| e.to_string()))
                .collect::<Result<_, _>>()?,
        });
    }
    exported.sort_by(|a, b| a.name.cmp(&b.name));
    let mut schedules: Vec<ScheduleSpec> = ScheduleServiceClient::new(ch.clone())
        .max_decoding_message_size(MAX_MESSAGE_BYTES)
        .list_schedules(ListSchedulesRequest::default())
        .await
        .map_err(|s| super::refusal(&s))?
        .into_inner()
        .schedules
        .into_iter()
        .filter_map(|s| s.spec)
        .collect();
    schedules.sort_by(|a, b| a.id.cmp(&b.id));
    let mut triggers: Vec<TriggerSpec> = EventServiceClient::new(ch)
        .max_decoding_message_size(MAX_MESSAGE_BYTES)
        .list_triggers(ListTriggersRequest::default())
        .await
        .map_err(|s| super::refusal(&s))?
        .into_inner()
        .triggers
        .into_iter()
        .filter_map(|t| t.spec)
        .collect();
    triggers.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(Export {
        orchestrator_export: FORMAT,
        exported_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        workflows: exported,
        schedules,
        triggers,
    })
}

/// `t` as a read shows it once written over `held`: a secret as `***`,
/// and no secret keeps the held one.
fn as_read(t: &TriggerSpec, held: &TriggerSpec) -> TriggerSpec {
    let mut t = t.clone();
    t.webhook_secret = if t.webhook_secret.is_empty() {
        held.webhook_secret.clone()
    } else {
        REDACTED.to_owned()
    };
    t
}

/// Why an import was refused before anything was written.
enum Refusal {
    /// The document is wrong.
    Invalid(String),
    /// The server could not be asked.
    Server(String),
}

impl From<tonic::Status> for Refusal {
    fn from(s: tonic::Status) -> Self {
        Refusal::Server(super::refusal(&s))
    }
}

/// A schedule or trigger of the document, where it is and what it names.
struct Entry<'d> {
    list: &'static str,
    i: usize,
    id: &'d str,
    workflow: &'d str,
}

/// One write of an import.
#[derive(Debug)]
enum Step {
    CreateWorkflow(WorkflowSpec),
    UpdateWorkflow(WorkflowSpec),
    Archive(String, bool),
    CreateSchedule(ScheduleSpec),
    UpdateSchedule(ScheduleSpec),
    CreateTrigger(TriggerSpec),
    UpdateTrigger(TriggerSpec),
}

impl std::fmt::Display for Step {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Step::CreateWorkflow(s) => write!(f, "create workflow '{}'", s.name),
            Step::UpdateWorkflow(s) => write!(f, "add a version of workflow '{}'", s.name),
            Step::Archive(name, true) => write!(f, "archive workflow '{name}'"),
            Step::Archive(name, false) => write!(f, "restore workflow '{name}'"),
            Step::CreateSchedule(s) => write!(f, "create schedule '{}'", s.id),
            Step::UpdateSchedule(s) => write!(f, "update schedule '{}'", s.id),
            Step::CreateTrigger(s) => write!(f, "create trigger '{}'", s.id),
            Step::UpdateTrigger(s) => write!(f, "update trigger '{}'", s.id),
        }
    }
}

/// The server an import writes to.
struct Target {
    workflows: WorkflowServiceClient<Authed>,
    schedules: ScheduleServiceClient<Authed>,
    events: EventServiceClient<Authed>,
}

impl Target {
    async fn connect(args: &ClientArgs) -> Result<Self, String> {
        let ch = args.channel().await.map_err(|e| e.to_string())?;
        Ok(Self {
            workflows: WorkflowServiceClient::new(ch.clone()),
            schedules: ScheduleServiceClient::new(ch.clone()),
            events: EventServiceClient::new(ch),
        })
    }

    /// Checks the whole document against the server and lists the writes
    /// that bring the server to it.
    async fn plan(&self, doc: &Export) -> Result<Vec<Step>, Refusal> {
        let invalid = |m: String| Refusal::Invalid(m);
        let mut steps = Vec::new();
        let mut names = HashSet::new();
        for (i, w) in doc.workflows.iter().enumerate() {
            let at = format!("workflows[{i}] ('{}')", w.name);
            if !names.insert(w.name.as_str()) {
                return Err(invalid(format!("{at}: the workflow is listed twice")));
            }
            if w.versions.is_empty() {
                return Err(invalid(format!("{at}.versions: at least one is needed")));
            }
            let mut specs = Vec::with_capacity(w.versions.len());
            for (v, doc) in w.versions.iter().enumerate() {
                let spec =
                    version_spec(doc).map_err(|e| invalid(format!("{at}.versions[{v}]: {e}")))?;
                if spec.name != w.name {
                    return Err(invalid(format!(
                        "{at}.versions[{v}].name: '{}' is not the workflow's name",
                        spec.name
                    )));
                }
                let checked = self
                    .workflows
                    .clone()
                    .validate_workflow(ValidateWorkflowRequest {
                        spec: Some(spec.clone()),
                        ..Default::default()
                    })
                    .await?
                    .into_inner();
                if let Some(p) = checked.problems.first() {
                    let task = if p.task_id.is_empty() {
                        String::new()
                    } else {
                        format!("task '{}' ", p.task_id)
                    };
                    return Err(invalid(format!(
                        "{at}.versions[{v}]: {task}{}: {}",
                        p.field, p.message
                    )));
                }
                specs.push(spec);
            }
            let latest = specs.last().expect("at least one version");
            let held = match self
                .workflows
                .clone()
                .list_workflow_versions(ListWorkflowVersionsRequest {
                    name: w.name.clone(),
                })
                .await
            {
                Ok(r) => r.into_inner().workflows,
                Err(s) if s.code() == Code::NotFound => Vec::new(),
                Err(s) => return Err(s.into()),
            };
            match held.iter().max_by_key(|h| h.version) {
                None => {
                    let mut versions = specs.into_iter();
                    steps.extend(versions.next().map(Step::CreateWorkflow));
                    steps.extend(versions.map(Step::UpdateWorkflow));
                    if w.archived {
                        steps.push(Step::Archive(w.name.clone(), true));
                    }
                }
                Some(newest) => {
                    if newest.spec.as_ref() != Some(latest) {
                        steps.push(Step::UpdateWorkflow(latest.clone()));
                    }
                    if newest.archived != w.archived {
                        steps.push(Step::Archive(w.name.clone(), w.archived));
                    }
                }
            }
        }

        let held_schedules: BTreeMap<String, ScheduleSpec> = self
            .schedules
            .clone()
            .list_schedules(ListSchedulesRequest::default())
            .await?
            .into_inner()
            .schedules
            .into_iter()
            .filter_map(|s| s.spec)
            .map(|s| (s.id.clone(), s))
            .collect();
        let mut ids = HashSet::new();
        for (i, s) in doc.schedules.iter().enumerate() {
            let compiled = crate::scheduler::spec::compile(s).map(drop);
            let entry = Entry {
                list: "schedules",
                i,
                id: &s.id,
                workflow: &s.workflow_name,
            };
            self.check_entry(&names, &mut ids, entry, compiled).await?;
            match held_schedules.get(&s.id) {
                None => steps.push(Step::CreateSchedule(s.clone())),
                Some(held) if held != s => steps.push(Step::UpdateSchedule(s.clone())),
                Some(_) => {}
            }
        }

        let held_triggers: BTreeMap<String, TriggerSpec> = self
            .events
            .clone()
            .list_triggers(ListTriggersRequest::default())
            .await?
            .into_inner()
            .triggers
            .into_iter()
            .filter_map(|t| t.spec)
            .map(|t| (t.id.clone(), t))
            .collect();
        let mut ids = HashSet::new();
        for (i, t) in doc.triggers.iter().enumerate() {
            let compiled = crate::scheduler::trigger_spec::compile_trigger(t).map(drop);
            let entry = Entry {
                list: "triggers",
                i,
                id: &t.id,
                workflow: &t.workflow_name,
            };
            let at = self.check_entry(&names, &mut ids, entry, compiled).await?;
            match held_triggers.get(&t.id) {
                None if t.webhook_secret == REDACTED => {
                    return Err(invalid(format!(
                        "{at}.webhook_secret: exports never carry secrets; put the webhook's secret in the document"
                    )));
                }
                None => steps.push(Step::CreateTrigger(t.clone())),
                // Reads show every secret as `***`, so a secret alone is
                // never seen to differ; `***` keeps the stored one on update.
                Some(held) if *held != as_read(t, held) => {
                    steps.push(Step::UpdateTrigger(t.clone()))
                }
                Some(_) => {}
            }
        }
        Ok(steps)
    }

    /// Checks a schedule or trigger of the document: an id given once, a
    /// definition that compiles, a workflow the document or the server
    /// has. Its place in the document, for messages.
    async fn check_entry<'d>(
        &self,
        names: &HashSet<&str>,
        ids: &mut HashSet<&'d str>,
        e: Entry<'d>,
        compiled: Result<(), crate::scheduler::spec::SpecProblem>,
    ) -> Result<String, Refusal> {
        let invalid = |m: String| Refusal::Invalid(m);
        let (list, i) = (e.list, e.i);
        if e.id.is_empty() {
            return Err(invalid(format!(
                "{list}[{i}].id: required, so that a second import finds it"
            )));
        }
        let at = format!("{list}[{i}] ('{}')", e.id);
        if !ids.insert(e.id) {
            return Err(invalid(format!("{at}: the id is listed twice")));
        }
        compiled.map_err(|p| invalid(format!("{at}.{}: {}", p.field, p.message)))?;
        if !self.runnable(names, e.workflow).await? {
            return Err(invalid(format!(
                "{at}.workflow_name: workflow '{}' is neither in the document nor on the server",
                e.workflow
            )));
        }
        Ok(at)
    }

    /// Whether workflow `name` is in the document (`names`) or on the server.
    async fn runnable(&self, names: &HashSet<&str>, name: &str) -> Result<bool, Refusal> {
        if names.contains(name) {
            return Ok(true);
        }
        let request = GetWorkflowRequest {
            name: name.to_owned(),
            version: 0,
        };
        match self.workflows.clone().get_workflow(request).await {
            Ok(_) => Ok(true),
            Err(s) if s.code() == Code::NotFound => Ok(false),
            Err(s) => Err(s.into()),
        }
    }

    async fn apply(&self, step: &Step) -> Result<(), String> {
        let r = match step {
            Step::CreateWorkflow(s) => self
                .workflows
                .clone()
                .create_workflow(CreateWorkflowRequest {
                    spec: Some(s.clone()),
                    ..Default::default()
                })
                .await
                .map(drop),
            Step::UpdateWorkflow(s) => self
                .workflows
                .clone()
                .update_workflow(UpdateWorkflowRequest {
                    spec: Some(s.clone()),
                    ..Default::default()
                })
                .await
                .map(drop),
            Step::Archive(name, archived) => {
                let name = WorkflowName { name: name.clone() };
                let mut c = self.workflows.clone();
                if *archived {
                    c.archive_workflow(name).await.map(drop)
                } else {
                    c.restore_workflow(name).await.map(drop)
                }
            }
            Step::CreateSchedule(s) => self
                .schedules
                .clone()
                .create_schedule(CreateScheduleRequest {
                    spec: Some(s.clone()),
                })
                .await
                .map(drop),
            Step::UpdateSchedule(s) => self
                .schedules
                .clone()
                .update_schedule(UpdateScheduleRequest {
                    spec: Some(s.clone()),
                })
                .await
                .map(drop),
            Step::CreateTrigger(t) => self
                .events
                .clone()
                .create_trigger(CreateTriggerRequest {
                    spec: Some(t.clone()),
                })
                .await
                .map(drop),
            Step::UpdateTrigger(t) => self
                .events
                .clone()
                .update_trigger(UpdateTriggerRequest {
                    spec: Some(t.clone()),
                })
                .await
                .map(drop),
        };
        r.map_err(|s| super::refusal(&s))
    }
}
