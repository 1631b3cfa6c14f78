//! Test helpers (unit tests, and integration tests through the `testing` feature, which only
//! the crate's own dev-dependency turns on): a time parser that reads back everything the
//! core prints (BC years, fractions, "1 day 12:00:00"), and a small deterministic generator.

use crate::time::{
    days_from_civil, format_timestamp, valid_timestamp, TimeParser, TS_INFINITY, TS_NEG_INFINITY,
    USECS_PER_DAY, USECS_PER_SEC,
};

pub struct TestTime;

/// "HH:MM:SS[.ffffff]" as microseconds.
fn clock(t: &str) -> Option<i64> {
    let p: Vec<&str> = t.split(':').collect();
    if p.len() != 3 {
        return None;
    }
    let h: i64 = p[0].parse().ok()?;
    let m: i64 = p[1].parse().ok()?;
    let (s, frac) = p[2].split_once('.').unwrap_or((p[2], ""));
    let s: i64 = s.parse().ok()?;
    if frac.len() > 6 || !(0..60).contains(&m) || !(0..60).contains(&s) {
        return None;
    }
    let f: i64 = if frac.is_empty() {
        0
    } else {
        format!("{frac:0<6}").parse().ok()?
    };
    h.checked_mul(3600)?
        .checked_add(m * 60 + s)?
        .checked_mul(USECS_PER_SEC)?
        .checked_add(f)
}

impl TimeParser for TestTime {
    fn interval(&self, text: &str) -> Result<i64, String> {
        let bad = || format!("invalid input syntax for type interval: \"{text}\"");
        let words: Vec<&str> = text.split_whitespace().collect();
        let v = match words.as_slice() {
            [n, unit] => {
                let n: i64 = n.parse().map_err(|_| bad())?;
                match unit.trim_end_matches('s') {
                    "day" => n.checked_mul(USECS_PER_DAY),
                    "hour" => n.checked_mul(3600 * USECS_PER_SEC),
                    "second" => n.checked_mul(USECS_PER_SEC),
                    _ => None,
                }
            }
            [n, unit, t] if unit.trim_end_matches('s') == "day" => {
                let n: i64 = n.parse().map_err(|_| bad())?;
                n.checked_mul(USECS_PER_DAY)
                    .and_then(|d| d.checked_add(clock(t)?))
            }
            [t] => clock(t),
            _ => None,
        };
        v.ok_or_else(bad)
    }

    fn timestamp(&self, text: &str) -> Result<i64, String> {
        match text {
            "infinity" => return Ok(TS_INFINITY),
            "-infinity" => return Ok(TS_NEG_INFINITY),
            _ => {}
        }
        let bad = || format!("invalid input syntax for type timestamp with time zone: \"{text}\"");
        let (t, bc) = match text.strip_suffix(" BC") {
            Some(t) => (t, true),
            None => (text, false),
        };
        let t = t.strip_suffix("+00").ok_or_else(bad)?;
        let (date, time) = t.split_once(' ').ok_or_else(bad)?;
        let d: Vec<i64> = date
            .split('-')
            .map(|x| x.parse().map_err(|_| bad()))
            .collect::<Result<_, _>>()?;
        if d.len() != 3 || !(1..=12).contains(&d[1]) || !(1..=31).contains(&d[2]) || d[0] < 1 {
            return Err(bad());
        }
        let year = if bc { 1 - d[0] } else { d[0] };
        let days = days_from_civil(year, d[1] as u32, d[2] as u32) - 10_957;
        let us = days
            .checked_mul(USECS_PER_DAY)
            .and_then(|x| x.checked_add(clock(time)?))
            .ok_or_else(bad)?;
        if !valid_timestamp(us) || us == TS_INFINITY || us == TS_NEG_INFINITY {
            return Err(bad());
        }
        if format_timestamp(us) != text {
            return Err(bad()); // a day that does not exist, such as February 30
        }
        Ok(us)
    }
}

/// "2026-10-01 00:00:00+00" as microseconds since 2000-01-01.
pub fn ts(text: &str) -> i64 {
    TestTime.timestamp(text).unwrap()
}

/// A tiny deterministic generator (a 64-bit LCG) for the randomised tests.
pub struct Lcg(pub u64);

impl Lcg {
    pub fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }

    pub fn big(&mut self) -> u64 {
        self.next() << 31 | self.next()
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.big() % n.max(1)
    }
}
