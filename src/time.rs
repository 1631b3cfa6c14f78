//! PostgreSQL's own interval and timestamptz parsers behind the core's `TimeParser`,
//! so a model's JSON accepts every format PostgreSQL does.

use ces_core::time::TimeParser;
use pgrx::datum::{Interval, TimestampWithTimeZone};
use std::str::FromStr;

pub struct PgTime;

impl TimeParser for PgTime {
    fn interval(&self, text: &str) -> Result<i64, String> {
        let i = Interval::from_str(text)
            .map_err(|_| format!("invalid input syntax for type interval: \"{text}\""))?;
        interval_micros(&i)
    }

    fn timestamp(&self, text: &str) -> Result<i64, String> {
        TimestampWithTimeZone::from_str(text)
            .map(|t| t.into_inner())
            .map_err(|_| {
                format!("invalid input syntax for type timestamp with time zone: \"{text}\"")
            })
    }
}

/// An interval as microseconds, as `EXTRACT(epoch FROM interval)` counts it: a year is
/// 365.25 days, each remaining month 30 days, a day 24 hours ('1 year' is 365 days 6 hours,
/// '13 mons' 395 days 6 hours), so a lookback means what the equivalent SQL WHERE means.
pub fn interval_micros(i: &Interval) -> Result<i64, String> {
    const DAY: i128 = 86_400_000_000;
    const YEAR: i128 = 36_525 * DAY / 100;
    let months = i128::from(i.months());
    let total = (months / 12) * YEAR
        + (months % 12) * 30 * DAY
        + i128::from(i.days()) * DAY
        + i128::from(i.micros());
    i64::try_from(total).map_err(|_| "interval out of range".to_string())
}

/// The transaction's start time: what now() returns, the same in parallel workers.
pub fn now() -> i64 {
    unsafe { pgrx::pg_sys::GetCurrentTransactionStartTimestamp() }
}
