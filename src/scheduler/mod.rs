//! What starts workflows by itself: cron schedules (fire times in a time
//! zone, concurrency policies, catch-up after downtime) and event triggers.

pub mod clock;
pub mod cron;
mod schedules;
pub mod spec;

pub use clock::{Clock, SystemClock, TokioClock};
pub use cron::{CronError, CronExpr, zone};
pub use schedules::{ScheduleError, Scheduler};
