//! `orchestrator trigger` (which event type starts which workflow:
//! `create`, `list`, `delete`) and `orchestrator event publish`, which
//! hands an event to those triggers and shows what each did.

use clap::{Args, Subcommand};

use super::{Ctx, RemoteError, table, time};
use crate::proto::{
    CreateTriggerRequest, Event, ListTriggersRequest, PublishRequest, TriggerId, TriggerSpec,
};

/// `orchestrator trigger ...`
#[derive(Subcommand, Debug)]
pub enum TriggerCommand {
    /// Start a workflow on events of a type.
    Create(CreateArgs),
    /// The triggers.
    List,
    /// Remove a trigger.
    Delete {
        /// Trigger id.
        id: String,
    },
}

/// `trigger create`'s arguments.
#[derive(Args, Debug)]
pub struct CreateArgs {
    /// Workflow to start.
    workflow: String,
    /// Event type, exactly or as a glob (`kafka.*`).
    #[arg(long = "event", value_name = "TYPE")]
    event_type: String,
    /// Only events this expression holds for (e.g. `event.severity == "high"`).
    #[arg(long)]
    filter: Option<String>,
    /// The trigger's id (default: one the server makes up).
    #[arg(long)]
    id: Option<String>,
    /// Runs of this trigger at once (0: no bound).
    #[arg(long, default_value_t = 0)]
    max_concurrent: u32,
    /// HMAC secret of the webhook `/v1/webhooks/{id}` feeding this trigger.
    #[arg(long, env = "ORCHESTRATOR_WEBHOOK_SECRET", hide_env_values = true)]
    webhook_secret: Option<String>,
    /// Create it disabled.
    #[arg(long)]
    disabled: bool,
}

/// `orchestrator event ...`
#[derive(Subcommand, Debug)]
pub enum EventCommand {
    /// Hand an event to the server's triggers; one line per trigger it
    /// matched, with what that trigger did.
    Publish {
        /// Event type, e.g. `kafka.threat_detected`.
        event_type: String,
        /// The event's facts, a JSON object.
        #[arg(long, value_name = "JSON", default_value = "{}")]
        data: String,
        /// The event's id: published again with it, it starts nothing new.
        #[arg(long)]
        id: Option<String>,
    },
}

/// Runs one `trigger` command; the exit code.
pub async fn run(command: TriggerCommand, ctx: &mut Ctx<'_>) -> Result<i32, RemoteError> {
    let mut ev = ctx.client.events();
    match command {
        TriggerCommand::Create(a) => {
            let spec = TriggerSpec {
                id: a.id.unwrap_or_default(),
                workflow_name: a.workflow,
                event_type: a.event_type,
                filter: a.filter.unwrap_or_default(),
                max_concurrent: a.max_concurrent,
                enabled: Some(!a.disabled),
                webhook_secret: a.webhook_secret.unwrap_or_default(),
                ..Default::default()
            };
            let t = ev
                .create_trigger(CreateTriggerRequest { spec: Some(spec) })
                .await?
                .into_inner();
            ctx.emit(&t, |out| {
                let spec = t.spec.clone().unwrap_or_default();
                writeln!(
                    out,
                    "created {} ({} on {})",
                    spec.id, spec.workflow_name, spec.event_type
                )
            })?;
        }
        TriggerCommand::List => {
            let r = ev.list_triggers(ListTriggersRequest {}).await?.into_inner();
            ctx.emit(&r, |out| {
                let rows: Vec<Vec<String>> = r
                    .triggers
                    .iter()
                    .map(|t| {
                        let spec = t.spec.clone().unwrap_or_default();
                        vec![
                            spec.id,
                            spec.event_type,
                            spec.workflow_name,
                            if spec.enabled.unwrap_or(true) {
                                "yes"
                            } else {
                                "no"
                            }
                            .to_owned(),
                            time(&t.created_at),
                            spec.filter,
                        ]
                    })
                    .collect();
                table::write(
                    out,
                    &["ID", "EVENT", "WORKFLOW", "ENABLED", "CREATED", "FILTER"],
                    &rows,
                    "no triggers",
                )
            })?;
        }
        TriggerCommand::Delete { id } => {
            let r = ev.delete_trigger(TriggerId { id }).await?.into_inner();
            ctx.emit(&r, |out| writeln!(out, "deleted {}", r.id))?;
        }
    }
    Ok(super::super::EXIT_OK)
}

/// `event publish`; the exit code.
pub async fn publish(command: EventCommand, ctx: &mut Ctx<'_>) -> Result<i32, RemoteError> {
    let EventCommand::Publish {
        event_type,
        data,
        id,
    } = command;
    let data = super::inputs(&[], Some(&data))
        .map_err(|_| RemoteError::Usage("--data: expected a JSON object".to_owned()))?;
    let r = ctx
        .client
        .events()
        .publish(PublishRequest {
            event: Some(Event {
                event_type,
                event_data: Some(data),
                event_id: id.unwrap_or_default(),
            }),
        })
        .await?
        .into_inner();
    ctx.emit(&r, |out| {
        let rows: Vec<Vec<String>> = r
            .outcomes
            .iter()
            .map(|o| {
                vec![
                    o.trigger_id.clone(),
                    o.workflow.clone(),
                    o.outcome.clone(),
                    o.execution_id.clone(),
                    o.detail.clone(),
                ]
            })
            .collect();
        table::write(
            out,
            &["TRIGGER", "WORKFLOW", "OUTCOME", "EXECUTION", "DETAIL"],
            &rows,
            "no trigger matched",
        )
    })?;
    Ok(super::super::EXIT_OK)
}
