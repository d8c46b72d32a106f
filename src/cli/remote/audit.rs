//! `orchestrator audit`: the server's audit trail (who created, ran,
//! cancelled, decided what), newest first, optionally only recent records,
//! one caller's or one action's.

use std::time::Duration;

use super::{Ctx, RemoteError, table, time};
use crate::proto::ListAuditRequest;

/// Prints the audit records asked for; the exit code.
pub async fn run(
    since: Option<Duration>,
    actor: Option<String>,
    action: Option<String>,
    limit: u32,
    ctx: &mut Ctx<'_>,
) -> Result<i32, RemoteError> {
    let r = ctx
        .client
        .admin()
        .list_audit(ListAuditRequest {
            limit,
            from: since.map(super::since),
            actor: actor.unwrap_or_default(),
            action: action.unwrap_or_default(),
            ..Default::default()
        })
        .await?
        .into_inner();
    ctx.emit(&r, |out| {
        let rows: Vec<Vec<String>> = r
            .records
            .iter()
            .map(|a| {
                vec![
                    time(&a.time),
                    a.actor.clone(),
                    a.action.clone(),
                    a.target.clone(),
                    a.reason.clone(),
                ]
            })
            .collect();
        table::write(
            out,
            &["TIME", "ACTOR", "ACTION", "TARGET", "REASON"],
            &rows,
            "no audit records",
        )
    })?;
    Ok(super::super::EXIT_OK)
}
