//! `orchestrator schedule next`: the next fire times of a cron expression,
//! so users can check an expression before they schedule it.

use std::io::Write;

use chrono::{DateTime, SecondsFormat, Utc};

use super::{EXIT_OK, EXIT_USAGE};
use crate::scheduler::{CronExpr, zone};

/// Prints the next `count` fire times of `expr` after `from` (default now),
/// one RFC 3339 timestamp a line, in `tz` (default UTC).
pub fn schedule_next(
    expr: &str,
    from: Option<&str>,
    count: usize,
    tz: Option<&str>,
    out: &mut (impl Write + ?Sized),
    err: &mut (impl Write + ?Sized),
) -> i32 {
    match next_times(expr, from, count, tz) {
        Ok(lines) => {
            for l in lines {
                let _ = writeln!(out, "{l}");
            }
            EXIT_OK
        }
        Err(m) => {
            let _ = writeln!(err, "error: {m}");
            EXIT_USAGE
        }
    }
}

fn next_times(
    expr: &str,
    from: Option<&str>,
    count: usize,
    tz: Option<&str>,
) -> Result<Vec<String>, String> {
    let cron = CronExpr::parse(expr).map_err(|e| e.to_string())?;
    let zone = zone(tz.unwrap_or("")).map_err(|e| format!("--tz: {e}"))?;
    let from = match from {
        None => Utc::now(),
        Some(f) => DateTime::parse_from_rfc3339(f)
            .map_err(|e| format!("--from: {f:?} is not an RFC 3339 time ({e})"))?
            .with_timezone(&Utc),
    };
    Ok(cron
        .upcoming(from, &zone, count)
        .into_iter()
        .map(|t| {
            if tz.is_some() {
                t.with_timezone(&zone)
                    .to_rfc3339_opts(SecondsFormat::Secs, true)
            } else {
                t.to_rfc3339_opts(SecondsFormat::Secs, true)
            }
        })
        .collect())
}
