//! Shared by the property tests: a time parser that reads back everything the core prints
//! (BC years, fractions, "1 day 12:00:00"), and the round-trip checks of each input form.
#![allow(dead_code)]

use ces_core::summary::{self, Header, Slot};
use ces_core::time::{days_from_civil, format_timestamp, TimeParser, TS_INFINITY, TS_NEG_INFINITY};
use ces_core::time::{USECS_PER_DAY, USECS_PER_SEC};
use ces_core::{Model, Weights};

pub struct FullTime;

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

impl TimeParser for FullTime {
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
        if !ces_core::time::valid_timestamp(us) || us == TS_INFINITY || us == TS_NEG_INFINITY {
            return Err(bad());
        }
        if format_timestamp(us) != text {
            return Err(bad()); // a day that does not exist, such as February 30
        }
        Ok(us)
    }
}

pub fn model(text: &str) -> Model {
    Model::parse_json(text, &FullTime).unwrap_or_else(|e| panic!("{e}: {text}"))
}

/// What binary input (`ces_summary_recv`) accepts: decode, a model, the model's rules.
pub fn accept_binary(bytes: &[u8]) -> Option<(Model, Header, Vec<Slot>)> {
    let d = summary::decode(bytes).ok()?;
    let text = summary::model_text(d.model_body).ok()?;
    let m = Model::parse_json(text, &FullTime).ok()?;
    summary::check_model(&d.header, &d.slots, &m).ok()?;
    summary::check_own_window(&d.header, &m).ok()?;
    Some((m, d.header, d.slots.to_vec()))
}

/// Accepted values print to text that reads back equal, and encode to bytes that decode equal.
pub fn assert_round_trips(m: &Model, h: &Header, s: &[Slot]) {
    let text = summary::to_json(h, s, m);
    let (m2, h2, s2) = summary::from_json(&text, &FullTime)
        .unwrap_or_else(|e| panic!("accepted value does not read back: {e}\n{text}"));
    assert_eq!(m2.body, m.body, "{text}");
    assert_eq!(h2, Header { model: 0, ..*h }, "{text}");
    assert_eq!(bits(&s2), bits(s), "{text}");
    let bytes = summary::encode(h, s, &m.body);
    let (m3, h3, s3) = accept_binary(&bytes).expect("an accepted value re-encodes");
    assert_eq!(m3.body, m.body);
    assert_eq!(h3, Header { model: 0, ..*h });
    assert_eq!(bits(&s3), bits(s));
}

fn bits(s: &[Slot]) -> Vec<(i64, u64)> {
    s.iter().map(|x| (x.count, x.decayed.to_bits())).collect()
}

/// Binary input: never panics; what it accepts round-trips.
pub fn check_binary(bytes: &[u8]) -> bool {
    match accept_binary(bytes) {
        Some((m, h, s)) => {
            assert_round_trips(&m, &h, &s);
            true
        }
        None => false,
    }
}

/// Text input: never panics; what it accepts round-trips.
pub fn check_text(text: &str) -> bool {
    match summary::from_json(text, &FullTime) {
        Ok((m, h, s)) => {
            assert_round_trips(&m, &h, &s);
            true
        }
        Err(_) => false,
    }
}

/// Model JSON: never panics; the canonical text of an accepted model is a fixed point.
pub fn check_model_json(text: &str) -> bool {
    match Model::parse_json(text, &FullTime) {
        Ok(m) => {
            assert!(m.len() <= ces_core::limits::MAX_EVENT_TYPES);
            let canonical = m.to_json();
            let m2 = Model::parse_json(&canonical, &FullTime)
                .unwrap_or_else(|e| panic!("canonical model does not read back: {e}\n{canonical}"));
            assert_eq!(m2.to_json(), canonical);
            assert_eq!(m2.rules, m.rules);
            assert_eq!(
                (m2.half_life, m2.lookback, m2.as_of),
                (m.half_life, m.lookback, m.as_of)
            );
            true
        }
        Err(_) => false,
    }
}

/// Weights JSON: never panics; accepted weights print (as a model) and read back equal.
pub fn check_weights_json(text: &str) -> bool {
    match Weights::parse_json(text) {
        Ok(w) => {
            let m = Model::from_weights(w.clone());
            let w2 = Weights::parse_json(&weights_object(&m))
                .unwrap_or_else(|e| panic!("weights do not read back: {e}\n{text}"));
            assert_eq!(w2.len(), w.len());
            for i in 0..w.len() {
                assert_eq!(w2.get(w.name(i).as_bytes()), Some(w.weight(i)));
                assert_eq!(w.get(w.name(i).as_bytes()), Some(w.weight(i)));
            }
            true
        }
        Err(_) => false,
    }
}

/// The "weights" object of a model's canonical text.
fn weights_object(m: &Model) -> String {
    let v: serde_json::Value = serde_json::from_str(&m.to_json()).unwrap();
    v["weights"].to_string()
}
