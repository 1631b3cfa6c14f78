//! Time as the core sees it: microseconds, as PostgreSQL stores timestamptz (since
//! 2000-01-01 UTC) and interval (months count 30 days, days 24 hours, as EXTRACT(epoch) does).
//! Parsing interval and timestamp text is PostgreSQL's job, reached through `TimeParser`.

pub const USECS_PER_SEC: i64 = 1_000_000;
pub const USECS_PER_DAY: i64 = 86_400 * USECS_PER_SEC;
/// PostgreSQL's -infinity and infinity timestamps.
pub const TS_NEG_INFINITY: i64 = i64::MIN;
pub const TS_INFINITY: i64 = i64::MAX;
/// PostgreSQL's range of finite timestamptz: 4714-11-24 00:00 UTC BC to 294277-01-01 00:00 UTC (excluded).
pub const TS_MIN: i64 = -211_813_488_000_000_000;
pub const TS_END: i64 = 9_223_371_331_200_000_000;

/// A timestamptz PostgreSQL can print and read back: finite in range, or ±infinity.
pub fn valid_timestamp(t: i64) -> bool {
    t == TS_INFINITY || t == TS_NEG_INFINITY || (TS_MIN..TS_END).contains(&t)
}

/// Parses interval and timestamptz text. The extension implements it with PostgreSQL's own
/// input functions, so every format PostgreSQL accepts works in a model's JSON.
pub trait TimeParser {
    /// An interval as microseconds.
    fn interval(&self, text: &str) -> Result<i64, String>;
    /// A timestamptz as microseconds since 2000-01-01 00:00 UTC.
    fn timestamp(&self, text: &str) -> Result<i64, String>;
}

/// A positive duration as interval text PostgreSQL reads back: "7 days", "1 day 12:00:00", "00:30:00".
pub fn format_interval(us: i64) -> String {
    let days = us / USECS_PER_DAY;
    let rest = us % USECS_PER_DAY;
    let mut out = String::new();
    if days != 0 {
        out.push_str(&format!("{days} day{}", if days == 1 { "" } else { "s" }));
    }
    if rest != 0 || days == 0 {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&clock(rest));
    }
    out
}

/// A time of day as "HH:MM:SS" with a fraction only when there is one: "12:30:00", "00:00:01.5".
fn clock(us: i64) -> String {
    let secs = us / USECS_PER_SEC;
    let frac = us % USECS_PER_SEC;
    let mut out = format!("{:02}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60);
    if frac != 0 {
        out.push_str(format!(".{frac:06}").trim_end_matches('0'));
    }
    out
}

/// A timestamptz in UTC as PostgreSQL reads it back: "2026-10-01 00:00:00+00".
pub fn format_timestamp(us: i64) -> String {
    match us {
        TS_NEG_INFINITY => return "-infinity".to_string(),
        TS_INFINITY => return "infinity".to_string(),
        _ => {}
    }
    let days = us.div_euclid(USECS_PER_DAY);
    let rest = us.rem_euclid(USECS_PER_DAY);
    let (y, m, d) = civil_from_days(days + 10_957); // 2000-01-01 is day 10957 after 1970-01-01
    let (year, era) = if y <= 0 { (1 - y, " BC") } else { (y, "") };
    let mut out = format!("{year:04}-{m:02}-{d:02} {}", clock(rest));
    out.push_str("+00");
    out.push_str(era);
    out
}

/// Howard Hinnant's days-to-civil algorithm, days since 1970-01-01.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + if m <= 2 { 1 } else { 0 };
    (y, m, d)
}

/// The inverse of `civil_from_days`: days since 1970-01-01 of a proleptic Gregorian date
/// (year 0 is 1 BC). Test parsers read timestamps back with it.
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = m as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::ts;

    #[test]
    fn intervals_format_as_postgres_reads_them() {
        assert_eq!(format_interval(7 * USECS_PER_DAY), "7 days");
        assert_eq!(format_interval(USECS_PER_DAY), "1 day");
        assert_eq!(
            format_interval(USECS_PER_DAY + 12 * 3600 * USECS_PER_SEC),
            "1 day 12:00:00"
        );
        assert_eq!(format_interval(1800 * USECS_PER_SEC), "00:30:00");
        assert_eq!(format_interval(1_500_000), "00:00:01.5");
    }

    #[test]
    fn timestamps_round_trip() {
        assert_eq!(format_timestamp(0), "2000-01-01 00:00:00+00");
        for text in [
            "2026-10-01 00:00:00+00",
            "1999-12-31 23:59:59+00",
            "2024-02-29 12:30:00+00",
            "1970-01-01 00:00:00+00",
        ] {
            assert_eq!(format_timestamp(ts(text)), text);
        }
        assert_eq!(
            format_timestamp(ts("2026-10-01 00:00:00+00") + 250_000),
            "2026-10-01 00:00:00.25+00"
        );
        assert_eq!(format_timestamp(TS_INFINITY), "infinity");
    }
}
