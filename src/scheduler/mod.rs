//! What starts workflows by itself: cron schedules (fire times in a time
//! zone, concurrency policies, catch-up after downtime) and event triggers.

pub mod cron;

pub use cron::{CronError, CronExpr, zone};
