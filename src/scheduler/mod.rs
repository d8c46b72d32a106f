//! What starts workflows by itself: cron schedules (fire times in a time
//! zone, concurrency policies, catch-up after downtime) and event triggers
//! (type patterns, filters, signed webhooks, Kafka topics).

mod catch_up;
mod changes;
mod claimed;
pub mod clock;
pub mod cron;
mod deliveries;
mod kafka_source;
mod schedules;
mod slots;
pub mod spec;
mod ticks;
mod timers;
mod trigger_claims;
pub mod trigger_spec;
mod triggers;
pub mod webhook;

pub use clock::{Clock, SystemClock, TokioClock};
pub use cron::{CronError, CronExpr, zone};
pub use kafka_source::{KafkaSource, Lag};
pub use schedules::{ScheduleError, Scheduler};
pub use triggers::{TriggerError, Triggers};
