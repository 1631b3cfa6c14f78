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

/// An interval as microseconds, months counting 30 days (as EXTRACT(epoch) does).
pub fn interval_micros(i: &Interval) -> Result<i64, String> {
    i64::try_from(i.as_micros()).map_err(|_| "interval out of range".to_string())
}

/// The transaction's start time: what now() returns, the same in parallel workers.
pub fn now() -> i64 {
    unsafe { pgrx::pg_sys::GetCurrentTransactionStartTimestamp() }
}
