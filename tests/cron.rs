//! Cron semantics: next-fire vectors from robfig/cron's test suite (Go; its
//! `spec_test.go`, whose 5-field specs are second-first with day-of-week
//! omitted, so they get a trailing `*` here), day-of-week/day-of-month
//! rules as Vixie cron has them, daylight-saving changes in a real zone,
//! property tests (also of arbitrary text and instants: nothing panics),
//! and the `orchestrator schedule next` command.

mod common;

use std::process::Command;

use chrono::{DateTime, TimeZone, Utc};
use chrono_tz::Tz;
use orchestrator::scheduler::{CronError, CronExpr, zone};
use proptest::prelude::*;

fn at(rfc3339: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(rfc3339)
        .unwrap()
        .with_timezone(&Utc)
}

/// The next fire time after `from`, printed in `tz` as RFC 3339.
fn next_in(expr: &str, from: &str, tz: &str) -> String {
    let tz = zone(tz).unwrap();
    CronExpr::parse(expr)
        .unwrap_or_else(|e| panic!("{e}"))
        .next_after(at(from), &tz)
        .unwrap_or_else(|| panic!("{expr} never fires after {from}"))
        .with_timezone(&tz)
        .to_rfc3339()
}

fn next(expr: &str, from: &str) -> String {
    next_in(expr, from, "UTC")
}

/// Whether `expr` fires exactly at `t`.
fn fires_at(expr: &str, t: &str) -> bool {
    let t = at(t);
    CronExpr::parse(expr)
        .unwrap()
        .next_after(t - chrono::TimeDelta::seconds(1), &Tz::UTC)
        == Some(t)
}

#[test]
fn robfig_next_vectors() {
    let cases = [
        // Simple cases.
        (
            "2012-07-09T14:45:00Z",
            "0 0/15 * * * *",
            "2012-07-09T15:00:00+00:00",
        ),
        (
            "2012-07-09T14:59:00Z",
            "0 0/15 * * * *",
            "2012-07-09T15:00:00+00:00",
        ),
        (
            "2012-07-09T14:59:59Z",
            "0 0/15 * * * *",
            "2012-07-09T15:00:00+00:00",
        ),
        // Wrap around hours.
        (
            "2012-07-09T15:45:00Z",
            "0 20-35/15 * * * *",
            "2012-07-09T16:20:00+00:00",
        ),
        // Wrap around days.
        (
            "2012-07-09T23:46:00Z",
            "0 */15 * * * *",
            "2012-07-10T00:00:00+00:00",
        ),
        (
            "2012-07-09T23:45:00Z",
            "0 20-35/15 * * * *",
            "2012-07-10T00:20:00+00:00",
        ),
        (
            "2012-07-09T23:35:51Z",
            "15/35 20-35/15 * * * *",
            "2012-07-10T00:20:15+00:00",
        ),
        (
            "2012-07-09T23:35:51Z",
            "15/35 20-35/15 1/2 * * *",
            "2012-07-10T01:20:15+00:00",
        ),
        (
            "2012-07-09T23:35:51Z",
            "15/35 20-35/15 10-12 * * *",
            "2012-07-10T10:20:15+00:00",
        ),
        (
            "2012-07-09T23:35:51Z",
            "15/35 20-35/15 1/2 */2 * *",
            "2012-07-11T01:20:15+00:00",
        ),
        (
            "2012-07-09T23:35:51Z",
            "15/35 20-35/15 * 9-20 * *",
            "2012-07-10T00:20:15+00:00",
        ),
        (
            "2012-07-09T23:35:51Z",
            "15/35 20-35/15 * 9-20 Jul *",
            "2012-07-10T00:20:15+00:00",
        ),
        // Wrap around months.
        (
            "2012-07-09T23:35:00Z",
            "0 0 0 9 Apr-Oct ?",
            "2012-08-09T00:00:00+00:00",
        ),
        (
            "2012-07-09T23:35:00Z",
            "0 0 0 */5 Apr,Aug,Oct Mon",
            "2012-08-06T00:00:00+00:00",
        ),
        (
            "2012-07-09T23:35:00Z",
            "0 0 0 */5 Oct Mon",
            "2012-10-01T00:00:00+00:00",
        ),
        // Wrap around years.
        (
            "2012-07-09T23:35:00Z",
            "0 0 0 * Feb Mon",
            "2013-02-04T00:00:00+00:00",
        ),
        (
            "2012-07-09T23:35:00Z",
            "0 0 0 * Feb Mon/2",
            "2013-02-01T00:00:00+00:00",
        ),
        // Wrap around minute, hour, day, month and year.
        (
            "2012-12-31T23:59:45Z",
            "0 * * * * *",
            "2013-01-01T00:00:00+00:00",
        ),
        // Leap year.
        (
            "2012-07-09T23:35:00Z",
            "0 0 0 29 Feb ?",
            "2016-02-29T00:00:00+00:00",
        ),
    ];
    for (from, expr, want) in cases {
        assert_eq!(next(expr, from), want, "{expr} after {from}");
    }
    // Daylight saving EDT -> EST, a wall time after the repeated hour.
    assert_eq!(
        next_in(
            "0 30 2 04 Nov ?",
            "2012-11-04T00:00:00-04:00",
            "America/New_York"
        ),
        "2012-11-04T02:30:00-05:00"
    );
}

#[test]
fn robfig_activation_vectors() {
    let fires = [
        // Every fifteen minutes, and starting at 5 minutes.
        ("2012-07-09T15:00:00Z", "0 0/15 * * * *", true),
        ("2012-07-09T15:45:00Z", "0 0/15 * * * *", true),
        ("2012-07-09T15:40:00Z", "0 0/15 * * * *", false),
        ("2012-07-09T15:05:00Z", "0 5/15 * * * *", true),
        ("2012-07-09T15:50:00Z", "0 5/15 * * * *", true),
        // Named months.
        ("2012-07-15T15:00:00Z", "0 0/15 * * Jul *", true),
        ("2012-07-15T15:00:00Z", "0 0/15 * * Jun *", false),
        // Everything set.
        ("2012-07-15T08:30:00Z", "0 30 08 ? Jul Sun", true),
        ("2012-07-15T08:30:00Z", "0 30 08 15 Jul ?", true),
        ("2012-07-16T08:30:00Z", "0 30 08 ? Jul Sun", false),
        ("2012-07-16T08:30:00Z", "0 30 08 15 Jul ?", false),
        // Macros.
        ("2012-07-09T15:00:00Z", "@hourly", true),
        ("2012-07-09T15:04:00Z", "@hourly", false),
        ("2012-07-09T15:00:00Z", "@daily", false),
        ("2012-07-09T00:00:00Z", "@daily", true),
        ("2012-07-09T00:00:00Z", "@weekly", false),
        ("2012-07-08T00:00:00Z", "@weekly", true),
        ("2012-07-08T01:00:00Z", "@weekly", false),
        ("2012-07-08T00:00:00Z", "@monthly", false),
        ("2012-07-01T00:00:00Z", "@monthly", true),
        // Both day fields restricted: either one matching fires.
        ("2012-07-15T00:00:00Z", "0 * * 1,15 * Sun", true),
        ("2012-06-15T00:00:00Z", "0 * * 1,15 * Sun", true),
        ("2012-08-01T00:00:00Z", "0 * * 1,15 * Sun", true),
        // One starting with a star: both must match.
        ("2012-07-15T00:00:00Z", "0 * * * * Mon", false),
        ("2012-07-15T00:00:00Z", "0 * * */10 * Sun", false),
        ("2012-07-09T00:00:00Z", "0 * * 1,15 * *", false),
        ("2012-07-15T00:00:00Z", "0 * * 1,15 * *", true),
        ("2012-07-15T00:00:00Z", "0 * * */2 * Sun", true),
    ];
    for (t, expr, want) in fires {
        assert_eq!(fires_at(expr, t), want, "{expr} at {t}");
    }
}

#[test]
fn unsatisfiable_expressions_are_refused() {
    for expr in ["0 0 0 30 Feb ?", "0 0 0 31 Apr ?"] {
        assert_eq!(
            CronExpr::parse(expr).unwrap_err(),
            CronError::Never(expr.into())
        );
    }
}

#[test]
fn classic_cron_days_names_macros_and_five_fields() {
    // 2026-11-28 is a Saturday.
    let sat = "2026-11-28T10:00:00Z";
    // Sunday is 0 or 7; Monday is 1.
    assert_eq!(next("0 0 12 * * 0", sat), "2026-11-29T12:00:00+00:00");
    assert_eq!(next("0 0 12 * * 7", sat), "2026-11-29T12:00:00+00:00");
    assert_eq!(next("0 0 12 * * 1", sat), "2026-11-30T12:00:00+00:00");
    assert_eq!(next("0 0 9 * * MON-FRI", sat), "2026-11-30T09:00:00+00:00");
    assert_eq!(next("0 0 9 * JAN *", sat), "2027-01-01T09:00:00+00:00");
    // Five fields: seconds are 0.
    assert_eq!(next("*/5 * * * *", sat), "2026-11-28T10:05:00+00:00");
    assert_eq!(next("30 9 * * SAT", sat), "2026-12-05T09:30:00+00:00");
    // The brief's every-5-minutes and the macros.
    assert_eq!(next("0 */5 * * * *", sat), "2026-11-28T10:05:00+00:00");
    assert_eq!(next("@midnight", sat), "2026-11-29T00:00:00+00:00");
    assert_eq!(next("@yearly", sat), "2027-01-01T00:00:00+00:00");
    // Day 31 or a Monday: the 30th (Monday) comes first.
    assert_eq!(next("0 0 0 31 * MON", sat), "2026-11-30T00:00:00+00:00");
    // Every second.
    assert_eq!(next("* * * * * *", sat), "2026-11-28T10:00:01+00:00");
}

#[test]
fn spring_forward_fires_a_skipped_time_once_right_after_the_gap() {
    // New York skips 02:00-03:00 on 2026-03-08.
    let ny = zone("America/New_York").unwrap();
    let times: Vec<String> = CronExpr::parse("0 30 2 * * *")
        .unwrap()
        .upcoming(at("2026-03-07T00:00:00-05:00"), &ny, 3)
        .iter()
        .map(|t| t.with_timezone(&ny).to_rfc3339())
        .collect();
    assert_eq!(
        times,
        [
            "2026-03-07T02:30:00-05:00",
            "2026-03-08T03:00:00-04:00",
            "2026-03-09T02:30:00-04:00"
        ]
    );
    // An hourly job has no 02:00 that day: 01:00 EST, then 03:00 EDT.
    let hourly: Vec<String> = CronExpr::parse("0 0 * * * *")
        .unwrap()
        .upcoming(at("2026-03-08T00:30:00-05:00"), &ny, 3)
        .iter()
        .map(|t| t.with_timezone(&ny).to_rfc3339())
        .collect();
    assert_eq!(
        hourly,
        [
            "2026-03-08T01:00:00-05:00",
            "2026-03-08T03:00:00-04:00",
            "2026-03-08T04:00:00-04:00"
        ]
    );
}

#[test]
fn fall_back_fires_a_fixed_time_once_and_an_interval_in_both_hours() {
    // New York repeats 01:00-02:00 on 2026-11-01.
    let ny = zone("America/New_York").unwrap();
    let list = |expr: &str, from: &str, n: usize| -> Vec<String> {
        CronExpr::parse(expr)
            .unwrap()
            .upcoming(at(from), &ny, n)
            .iter()
            .map(|t| t.with_timezone(&ny).to_rfc3339())
            .collect()
    };
    assert_eq!(
        list("0 30 1 * * *", "2026-10-31T12:00:00-04:00", 3),
        [
            "2026-11-01T01:30:00-04:00",
            "2026-11-02T01:30:00-05:00",
            "2026-11-03T01:30:00-05:00"
        ]
    );
    assert_eq!(
        list("0 */30 * * * *", "2026-11-01T00:50:00-04:00", 5),
        [
            "2026-11-01T01:00:00-04:00",
            "2026-11-01T01:30:00-04:00",
            "2026-11-01T01:00:00-05:00",
            "2026-11-01T01:30:00-05:00",
            "2026-11-01T02:00:00-05:00"
        ]
    );
    // Starting inside the second pass of the repeated hour.
    assert_eq!(
        next_in(
            "0 30 1 * * *",
            "2026-11-01T01:10:00-05:00",
            "America/New_York"
        ),
        "2026-11-02T01:30:00-05:00"
    );
    assert_eq!(
        next_in(
            "0 */30 * * * *",
            "2026-11-01T01:10:00-05:00",
            "America/New_York"
        ),
        "2026-11-01T01:30:00-05:00"
    );
}

/// One cron field: `*`, a value, a range, a step or a list, within `lo..=hi`.
fn field(lo: u32, hi: u32) -> impl Strategy<Value = String> {
    prop_oneof![
        3 => Just("*".to_owned()),
        2 => (lo..=hi).prop_map(|v| v.to_string()),
        1 => (lo..=hi, lo..=hi).prop_map(|(a, b)| format!("{}-{}", a.min(b), a.max(b))),
        2 => (1..=(hi - lo).max(1)).prop_map(|k| format!("*/{k}")),
        1 => (lo..=hi, lo..=hi).prop_map(|(a, b)| format!("{a},{b}")),
    ]
}

/// Expressions that fire often enough to check second by second.
fn expression() -> impl Strategy<Value = String> {
    (
        field(0, 59),
        field(0, 59),
        prop_oneof![3 => Just("*".to_owned()), 1 => field(0, 23)],
        prop_oneof![4 => Just("*".to_owned()), 1 => field(1, 28)],
        prop_oneof![4 => Just("*".to_owned()), 1 => field(1, 12)],
        prop_oneof![3 => Just("*".to_owned()), 1 => field(0, 7)],
    )
        .prop_map(|(s, m, h, dom, mon, dow)| format!("{s} {m} {h} {dom} {mon} {dow}"))
}

proptest! {
    #![proptest_config(common::fuzz::config(200))]

    /// In UTC: the next fire time is after `from`, matches, and no
    /// matching second before it is skipped (checked over six hours).
    #[test]
    fn next_is_after_from_matches_and_skips_nothing(
        expr in expression(),
        from_s in 946_684_800i64..2_208_988_800,
    ) {
        let cron = CronExpr::parse(&expr);
        prop_assume!(cron.is_ok());
        let cron = cron.unwrap();
        let from = Utc.timestamp_opt(from_s, 0).unwrap();
        let next = cron.next_after(from, &Tz::UTC);
        if let Some(next) = next {
            prop_assert!(next > from);
            prop_assert!(cron.matches(next, &Tz::UTC), "{} does not match {}", expr, next);
        }
        let horizon = next.map_or(6 * 3600, |n| (n - from).num_seconds().min(6 * 3600));
        for s in 1..horizon {
            let t = from + chrono::TimeDelta::seconds(s);
            prop_assert!(!cron.matches(t, &Tz::UTC), "{} skipped {} (next {:?})", expr, t, next);
        }
    }

    /// In a zone with daylight saving: fire times only ever move forward.
    #[test]
    fn fire_times_in_a_dst_zone_strictly_increase(
        expr in expression(),
        from_s in 1_772_000_000i64..1_805_000_000,
    ) {
        let cron = CronExpr::parse(&expr);
        prop_assume!(cron.is_ok());
        let ny = zone("America/New_York").unwrap();
        let times = cron.unwrap().upcoming(Utc.timestamp_opt(from_s, 0).unwrap(), &ny, 50);
        let mut last = Utc.timestamp_opt(from_s, 0).unwrap();
        for t in times {
            prop_assert!(t > last, "{} after {}", t, last);
            last = t;
        }
    }
}

/// One field of anything cron-like: values in and far out of range,
/// steps of zero, backwards ranges, `L`, `W`, `#`, names, and odd text.
fn wild_field() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => field(0, 59),
        3 => prop::sample::select(vec![
            "*", "?", "0", "60", "24", "32", "13", "8", "-1", "4294967296",
            "99999999999999999999", "0-0", "5-1", "59-0", "*/0", "0/0", "1-5/0", "*/4294967295",
            "1-5/-1", "/", "-", ",", ",,", "1,", "L", "5L", "LW", "15W", "0W", "W", "5#6",
            "MON#9", "1#0", "L-3", "JAN-DEC", "DEC-JAN", "MON-SUN", "SUN-MON", "FOO", "@hourly",
            "é", "🦀", "1‐5",
        ])
        .prop_map(str::to_owned),
        1 => "[0-9*/,?LW#A-Za-z-]{0,8}",
    ]
}

/// Text that looks like a cron expression (4 to 7 fields) or a macro.
fn wild_expression() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => prop::collection::vec(wild_field(), 4..8).prop_map(|f| f.join(" ")),
        1 => prop::sample::select(vec![
            "@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly",
            "@reboot", "@", "@every 5s", "@HOURLY", " @daily ",
        ])
        .prop_map(str::to_owned),
        1 => "[0-9*/,?LW# -]{0,30}",
        1 => any::<String>(),
    ]
}

/// Any instant chrono can hold, weighted towards the years people use and
/// the edges of croner's range (years 1 to 5000).
fn instant() -> impl Strategy<Value = DateTime<Utc>> {
    let (min, max) = (
        DateTime::<Utc>::MIN_UTC.timestamp(),
        DateTime::<Utc>::MAX_UTC.timestamp(),
    );
    let year = |y: i32| Utc.with_ymd_and_hms(y, 1, 1, 0, 0, 0).unwrap().timestamp();
    prop_oneof![
        4 => year(1970)..year(2200),
        2 => year(-10)..year(12_000),
        1 => prop::sample::select(vec![year(1), year(5000) - 1, year(5000), year(10_000), min, max]),
        1 => min..=max,
    ]
    .prop_flat_map(|s| (Just(s), 0u32..1_000_000_000))
    .prop_map(|(s, ns)| DateTime::from_timestamp(s, ns).unwrap())
}

fn any_zone() -> impl Strategy<Value = Tz> {
    prop_oneof![
        3 => prop::sample::select(vec![
            Tz::UTC,
            Tz::America__New_York,
            Tz::Europe__Berlin,
            Tz::Australia__Lord_Howe,
            Tz::Pacific__Kiritimati,
            Tz::Pacific__Apia,
            Tz::Asia__Kathmandu,
            Tz::America__Santiago,
        ]),
        1 => prop::sample::select(chrono_tz::TZ_VARIANTS.to_vec()),
    ]
}

proptest! {
    #![proptest_config(common::fuzz::config(512))]

    /// Any text parses or is refused with an error that quotes it.
    #[test]
    fn arbitrary_text_parses_or_is_refused_naming_it(text in wild_expression()) {
        match CronExpr::parse(&text) {
            Ok(cron) => {
                let from = Utc.with_ymd_and_hms(2030, 6, 1, 0, 0, 0).unwrap();
                prop_assert!(cron.next_after(from, &Tz::UTC).is_some_and(|n| n > from));
            }
            Err(e @ (CronError::Invalid { .. } | CronError::Never(_))) => {
                prop_assert!(e.to_string().contains(&format!("{text:?}")), "{}", e);
            }
            Err(e) => prop_assert!(false, "unexpected error {}", e),
        }
    }

    /// Any zone name is a zone or a refusal.
    #[test]
    fn arbitrary_zone_names_are_zones_or_refused(name in prop_oneof![
        "[A-Za-z_/+-]{0,20}",
        any::<String>(),
        prop::sample::select(chrono_tz::TZ_VARIANTS.to_vec()).prop_map(|z| z.name().to_owned()),
    ]) {
        match zone(&name) {
            Ok(z) => prop_assert!(name.is_empty() || z.name() == name),
            Err(e) => prop_assert_eq!(e, CronError::Zone(name)),
        }
    }

    /// For expressions that parse, the next fire times after any instant in
    /// any zone come (when they exist) strictly after it, in order.
    #[test]
    fn fire_times_after_any_instant_in_any_zone_move_forward(
        text in prop_oneof![3 => expression(), 1 => wild_expression()],
        from in instant(),
        tz in any_zone(),
    ) {
        let Ok(cron) = CronExpr::parse(&text) else { return Ok(()) };
        let _ = cron.matches(from, &tz);
        let mut last = from;
        for t in cron.upcoming(from, &tz, 3) {
            prop_assert!(t > last, "{} after {} for {} in {}", t, last, text, tz);
            last = t;
        }
    }
}

fn orchestrator(args: &[&str]) -> (i32, String, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_orchestrator"))
        .args(args)
        .output()
        .unwrap();
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[test]
fn schedule_next_prints_fire_times_or_a_clear_error() {
    let (code, out, _) = orchestrator(&[
        "schedule",
        "next",
        "0 */5 * * * *",
        "--from",
        "2026-11-28T10:02:30Z",
        "--count",
        "3",
    ]);
    assert_eq!(code, 0);
    assert_eq!(
        out,
        "2026-11-28T10:05:00Z\n2026-11-28T10:10:00Z\n2026-11-28T10:15:00Z\n"
    );
    let (code, out, _) = orchestrator(&[
        "schedule",
        "next",
        "0 0 9 * * MON-FRI",
        "--from",
        "2026-11-28T00:00:00Z",
        "--count",
        "1",
        "--tz",
        "Europe/Berlin",
    ]);
    assert_eq!(code, 0);
    assert_eq!(out, "2026-11-30T09:00:00+01:00\n");

    let (code, out, err) = orchestrator(&["schedule", "next", "61 * * * * *"]);
    assert_eq!(code, 2);
    assert!(out.is_empty());
    assert!(
        err.contains("invalid cron expression \"61 * * * * *\""),
        "{err}"
    );
    let (code, _, err) = orchestrator(&["schedule", "next", "@hourly", "--tz", "Mars/Base"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("--tz: unknown time zone \"Mars/Base\""),
        "{err}"
    );
    let (code, _, err) = orchestrator(&["schedule", "next", "@hourly", "--from", "yesterday"]);
    assert_eq!(code, 2);
    assert!(err.contains("--from: \"yesterday\""), "{err}");
}
