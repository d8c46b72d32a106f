//! Cron expressions with the meaning users of classic (Vixie) cron expect:
//! 6 fields with seconds first or 5 without (seconds 0), the `@hourly`
//! family of macros, names (`MON-FRI`, `JAN`), `?` as `*`, Sunday as 0 or
//! 7, and a day that matches either day-of-month or day-of-week firing when
//! both are restricted (a field starting with `*`, like `*/5`, counts as
//! unrestricted, as in Vixie cron). Parsing and matching are the `croner`
//! crate's.
//!
//! Fire times are computed in an IANA time zone. Across daylight-saving
//! changes: a wall-clock time skipped by spring-forward fires at the first
//! instant after the gap; a wall-clock time that occurs twice at fall-back
//! fires once (its first occurrence) for a job at fixed times, and at both
//! occurrences for a job with a wildcard or step in its seconds, minutes or
//! hours field (it runs "every N" and the hour really happens twice).

use chrono::{DateTime, LocalResult, Offset, TimeDelta, TimeZone, Timelike, Utc};
use chrono_tz::Tz;
use croner::parser::{CronParser, Seconds, Year};
use croner::{Cron, JobType};

/// An expression or time zone that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CronError {
    /// The expression does not parse.
    #[error("invalid cron expression {expr:?}: {reason}")]
    Invalid {
        /// The expression as given.
        expr: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The expression parses but names no time that exists (`0 0 0 30 2 *`).
    #[error("cron expression {0:?} never fires")]
    Never(String),
    /// The time zone is not an IANA zone name.
    #[error("unknown time zone {0:?}; expected an IANA name such as Europe/Berlin or UTC")]
    Zone(String),
}

/// A parsed cron expression.
#[derive(Debug, Clone)]
pub struct CronExpr {
    cron: Cron,
    text: String,
    fixed: bool,
}

/// How far a fall-back overlap can reach: no zone repeats more than this.
const MAX_OVERLAP: TimeDelta = TimeDelta::hours(3);

impl CronExpr {
    /// Parses an expression; refuses one that never fires.
    pub fn parse(text: &str) -> Result<Self, CronError> {
        let trimmed = text.trim();
        let invalid = |reason: String| CronError::Invalid {
            expr: text.to_owned(),
            reason,
        };
        let fields = trimmed.split_whitespace().count();
        if !trimmed.starts_with('@') && !(5..=6).contains(&fields) {
            return Err(invalid(format!(
                "expected 6 fields (second minute hour day-of-month month day-of-week) or 5 (no seconds), got {fields}"
            )));
        }
        // croner knows every classic macro but @midnight.
        let pattern = if trimmed.eq_ignore_ascii_case("@midnight") {
            "@daily"
        } else {
            trimmed
        };
        let cron = CronParser::builder()
            .seconds(Seconds::Optional)
            .year(Year::Disallowed)
            .dom_and_dow(star_day_field(pattern))
            .build()
            .parse(pattern)
            .map_err(|e| invalid(e.to_string()))?;
        let expr = Self {
            fixed: cron.determine_job_type() == JobType::FixedTime,
            cron,
            text: trimmed.to_owned(),
        };
        // A pattern like "30 Feb" parses but never matches; say so now
        // rather than let a schedule wait forever.
        let start = Utc.with_ymd_and_hms(2000, 1, 1, 0, 0, 0).single();
        if start.is_some_and(|s| expr.next_after(s, &Tz::UTC).is_none()) {
            return Err(CronError::Never(text.to_owned()));
        }
        Ok(expr)
    }

    /// The expression as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The first fire time strictly after `from`, in `tz`; None if there is
    /// none within the search horizon (a few years).
    pub fn next_after(&self, from: DateTime<Utc>, tz: &Tz) -> Option<DateTime<Utc>> {
        // Fire times are whole seconds: the first one after `from` is the
        // first one after the start of its second.
        let from = from.with_nanosecond(0).unwrap_or(from);
        // Near the ends of chrono's range a wall time may not exist (and
        // chrono panics on it); croner searches no such time anyway.
        wall_time(from, tz)?;
        if repeated(from, tz) {
            return self.through_overlap(from, tz);
        }
        self.croner_next(from, tz)
    }

    /// croner's answer: right everywhere but inside a repeated hour, whose
    /// wall times it always resolves to their first pass.
    fn croner_next(&self, from: DateTime<Utc>, tz: &Tz) -> Option<DateTime<Utc>> {
        let next = self
            .cron
            .find_next_occurrence(&from.with_timezone(tz), false)
            .ok()?
            .with_timezone(&Utc);
        (next > from).then_some(next)
    }

    /// `next_after` for a `from` inside a fall-back overlap: second by
    /// second through both passes (an hour or two at most), firing a fixed
    /// job only on the first pass, then an ordinary search after it.
    fn through_overlap(&self, from: DateTime<Utc>, tz: &Tz) -> Option<DateTime<Utc>> {
        let second = TimeDelta::seconds(1);
        let mut t = from.checked_add_signed(second)?;
        while repeated(t, tz) && t - from <= MAX_OVERLAP {
            let local = t.with_timezone(tz);
            let first_pass = tz
                .from_local_datetime(&local.naive_local())
                .earliest()
                .is_some_and(|e| e == local);
            if (first_pass || !self.fixed) && self.cron.is_time_matching(&local).ok()? {
                return Some(t);
            }
            t = t.checked_add_signed(second)?;
        }
        // The last second of the overlap: croner steps from there to the
        // first wall time after it, which is unambiguous.
        self.croner_next(t - second, tz)
    }

    /// The next `count` fire times after `from`.
    pub fn upcoming(&self, from: DateTime<Utc>, tz: &Tz, count: usize) -> Vec<DateTime<Utc>> {
        let mut out = Vec::with_capacity(count.min(1024));
        let mut t = from;
        while out.len() < count {
            let Some(next) = self.next_after(t, tz) else {
                break;
            };
            out.push(next);
            t = next;
        }
        out
    }

    /// Whether the expression matches `t` (whole second) in `tz`.
    pub fn matches(&self, t: DateTime<Utc>, tz: &Tz) -> bool {
        wall_time(t, tz).is_some_and(|local| self.cron.is_time_matching(&local).unwrap_or(false))
    }
}

/// The last answer of [`CronExpr::next_after`], reused while the question
/// is the same: the schedules ticking on one second mostly share their
/// expression and zone, and re-arming 10,000 of them must not search
/// 10,000 times.
#[derive(Debug, Default)]
pub struct LastNext {
    last: Option<Answer>,
}

/// A question to `next_after` (expression text, zone, from) and its answer.
type Answer = ((String, Tz, DateTime<Utc>), Option<DateTime<Utc>>);

impl LastNext {
    /// `expr.next_after(from, tz)`, from the last answer when it fits.
    pub fn next_after(
        &mut self,
        expr: &CronExpr,
        from: DateTime<Utc>,
        tz: &Tz,
    ) -> Option<DateTime<Utc>> {
        if let Some(((text, z, f), next)) = &self.last
            && *f == from
            && z == tz
            && *text == expr.text
        {
            return *next;
        }
        let next = expr.next_after(from, tz);
        self.last = Some(((expr.text.clone(), *tz, from), next));
        next
    }
}

/// Whether day-of-month or day-of-week starts with `*` without being just
/// `*` (`*/5`): Vixie cron and robfig/cron then require both day fields to
/// match, where croner would OR them.
fn star_day_field(pattern: &str) -> bool {
    let fields: Vec<&str> = pattern.split_whitespace().collect();
    let (dom, dow) = match fields.len() {
        5 => (fields[2], fields[4]),
        6 => (fields[3], fields[5]),
        _ => return false,
    };
    [dom, dow].iter().any(|f| f.starts_with('*') && *f != "*")
}

/// Whether the wall time of `t` in `tz` occurs twice (a fall-back overlap).
fn repeated(t: DateTime<Utc>, tz: &Tz) -> bool {
    wall_time(t, tz).is_some_and(|local| {
        matches!(
            tz.from_local_datetime(&local.naive_local()),
            LocalResult::Ambiguous(..)
        )
    })
}

/// `t` in `tz`, when its wall time is one chrono can hold: at the ends of
/// its range (year ±262143) an offset pushes it out, and chrono's
/// `naive_local` (which croner calls) panics.
fn wall_time(t: DateTime<Utc>, tz: &Tz) -> Option<DateTime<Tz>> {
    let offset = tz.offset_from_utc_datetime(&t.naive_utc()).fix();
    t.naive_utc().checked_add_offset(offset)?;
    Some(t.with_timezone(tz))
}

/// An IANA time zone by name (empty: UTC).
pub fn zone(name: &str) -> Result<Tz, CronError> {
    if name.is_empty() {
        return Ok(Tz::UTC);
    }
    name.parse().map_err(|_| CronError::Zone(name.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_answer_is_reused_only_for_the_same_question() {
        let every = CronExpr::parse("* * * * * *").unwrap();
        let five = CronExpr::parse("*/5 * * * * *").unwrap();
        let berlin: Tz = "Europe/Berlin".parse().unwrap();
        let t = |s: i64| DateTime::from_timestamp(1_700_000_000 + s, 0).unwrap();
        let mut last = LastNext::default();
        for (expr, from, tz) in [
            (&every, t(0), Tz::UTC),
            (&every, t(0), Tz::UTC),
            (&five, t(0), Tz::UTC),
            (&five, t(1), Tz::UTC),
            (&five, t(1), berlin),
            (&every, t(1), berlin),
            (&every, t(7), Tz::UTC),
        ] {
            assert_eq!(
                last.next_after(expr, from, &tz),
                expr.next_after(from, &tz),
                "{} after {from} in {tz}",
                expr.as_str()
            );
        }
    }

    #[test]
    fn instants_at_the_ends_of_time_have_no_fire_time_and_match_nothing() {
        let every = CronExpr::parse("* * * * * *").unwrap();
        for (t, tz) in [
            (DateTime::<Utc>::MAX_UTC, Tz::Africa__Addis_Ababa),
            (DateTime::<Utc>::MIN_UTC, Tz::America__New_York),
        ] {
            assert_eq!(every.next_after(t, &tz), None, "{t} in {tz}");
            assert!(!every.matches(t, &tz), "{t} in {tz}");
            assert!(every.upcoming(t, &tz, 3).is_empty(), "{t} in {tz}");
        }
    }

    #[test]
    fn field_counts_are_checked_before_parsing() {
        let e = CronExpr::parse("* * *").unwrap_err();
        assert!(e.to_string().contains("got 3"), "{e}");
        assert!(CronExpr::parse("0 0 1 1 * 2030").is_err(), "no year field");
    }

    #[test]
    fn impossible_dates_are_refused() {
        assert_eq!(
            CronExpr::parse("0 0 0 30 Feb ?").unwrap_err(),
            CronError::Never("0 0 0 30 Feb ?".into())
        );
    }

    #[test]
    fn zones_are_iana_names() {
        assert_eq!(zone("").unwrap(), Tz::UTC);
        assert_eq!(zone("Europe/Berlin").unwrap(), Tz::Europe__Berlin);
        assert!(matches!(zone("Mars/Olympus"), Err(CronError::Zone(_))));
    }
}
