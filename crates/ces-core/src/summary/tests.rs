//! Unit tests of the summary: state, merge, window, codec and text form.

use super::codec::SPARSE_SLOT_BYTES;
use super::*;
use crate::model::Model;
use crate::testing::{ts, Lcg, TestTime};
use crate::time::format_timestamp;
use crate::time::USECS_PER_DAY;

fn model(text: &str) -> Model {
    Model::parse_json(text, &TestTime).unwrap()
}

fn run(m: &Model, now: i64, rows: &[(Option<&str>, Option<i64>)]) -> (Header, Vec<Slot>) {
    let mut h = Header::new(m, now);
    let mut s = vec![Slot::default(); m.len()];
    for (e, t) in rows {
        accumulate(&mut h, &mut s, m, e.map(|x| x.as_bytes()), *t);
    }
    (h, s)
}

const ASOF: &str = "2026-10-01 00:00:00+00";

#[test]
fn one_half_life_counts_half_and_per_event_overrides() {
    let m = model(
        r#"{"weights":{"login":10,"ticket":{"weight":-8,"half_life":"1 day"}},"half_life":"7 days","as_of":"2026-10-01 00:00:00+00"}"#,
    );
    let a = ts(ASOF);
    let (h, s) = run(
        &m,
        0,
        &[
            (Some("login"), Some(a - 7 * USECS_PER_DAY)),
            (Some("ticket"), Some(a - USECS_PER_DAY)),
        ],
    );
    assert_eq!(score(&m, &s), 5.0 - 4.0);
    assert_eq!(h.events, 2);
    assert_eq!(h.last_seen, a - USECS_PER_DAY);
}

#[test]
fn window_boundaries() {
    let m =
        model(r#"{"weights":{"login":1},"lookback":"30 days","as_of":"2026-10-01 00:00:00+00"}"#);
    let a = ts(ASOF);
    let (h, s) = run(
        &m,
        0,
        &[
            (Some("login"), Some(a - 30 * USECS_PER_DAY)), // excluded: ts = as_of - lookback
            (Some("login"), Some(a - 30 * USECS_PER_DAY + 1)),
            (Some("login"), Some(a)),     // included: ts = as_of
            (Some("login"), Some(a + 1)), // excluded: future
            (Some("login"), None),        // excluded: NULL ts
            (None, Some(a)),              // NULL event
        ],
    );
    assert_eq!(score(&m, &s), 2.0);
    assert_eq!(h.events, 2);
}

#[test]
fn inert_rows_change_nothing() {
    let m = model(
        r#"{"weights":{"login":1},"half_life":"7 days","lookback":"30 days","as_of":"2026-10-01 00:00:00+00"}"#,
    );
    let a = ts(ASOF);
    let cases = [
        (None, Some(a)),
        (Some("login"), None),
        (Some("login"), Some(a + 1)),
        (Some("login"), Some(a - 30 * USECS_PER_DAY)),
        (Some("login"), Some(a)),
        (Some("other"), Some(a - USECS_PER_DAY)),
    ];
    for (e, t) in cases {
        let (mut h, mut s) = run(&m, 0, &[(Some("login"), Some(a - USECS_PER_DAY))]);
        let before = (h, s.clone());
        accumulate(&mut h, &mut s, &m, e.map(|x| x.as_bytes()), t);
        if row_is_inert(&m, e.map(|x| x.as_bytes()), t) {
            assert_eq!((h, s), before, "{e:?} {t:?}");
        }
    }
    assert!(!row_is_inert(&m, Some(b"login"), Some(a)));
    // without a fixed as_of the anchor is in the state: only NULL events are inert
    let now_model = model(r#"{"weights":{"login":1},"lookback":"30 days"}"#);
    assert!(!row_is_inert(&now_model, Some(b"login"), None));
    assert!(row_is_inert(&now_model, None, Some(a)));
}

#[test]
fn caps_bound_positive_and_negative_totals() {
    let m = model(r#"{"login":{"weight":1,"cap":3},"ticket":{"weight":-5,"cap":7},"up":50}"#);
    let rows: Vec<_> = std::iter::repeat((Some("login"), None))
        .take(10)
        .chain(std::iter::repeat((Some("ticket"), None)).take(2))
        .chain([(Some("up"), None), (Some("other"), None)])
        .collect();
    let (h, s) = run(&m, 0, &rows);
    assert_eq!(score(&m, &s), 3.0 - 7.0 + 50.0);
    let b = breakdown(&h, &s, &m);
    assert_eq!(b.len(), 4);
    assert!(b[0].capped && b[1].capped && !b[2].capped);
    assert_eq!(b[3].event, None);
    assert_eq!(b[3].events, 1);
    assert_eq!(b.iter().map(|r| r.points).sum::<f64>(), score(&m, &s));
    assert_eq!(depth(&s), 3);
}

#[test]
fn empty_score_is_positive_zero() {
    let m = model(r#"{"login":1}"#);
    let (_, s) = run(&m, 0, &[(None, None), (Some("other"), None)]);
    assert!(score(&m, &s).is_sign_positive());
}

#[test]
fn no_time_rules_counts_everything() {
    let m = model(r#"{"login":1}"#);
    let (h, s) = run(
        &m,
        0,
        &[
            (Some("login"), None),
            (Some("login"), Some(i64::MAX)),
            (Some("x"), None),
        ],
    );
    assert_eq!(score(&m, &s), 2.0);
    assert_eq!(h.events, 3);
}

fn random_rows(g: &mut Lcg, n: usize, a: i64) -> Vec<(Option<&'static str>, Option<i64>)> {
    let names = ["login", "ticket", "up", "other"];
    (0..n)
        .map(|_| {
            (
                Some(names[(g.next() % 4) as usize]),
                Some(a - (g.big() % (40 * USECS_PER_DAY as u64)) as i64),
            )
        })
        .collect()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

#[test]
fn merge_is_associative_and_matches_one_pass() {
    let m = model(
        r#"{"weights":{"login":1,"ticket":{"weight":-5,"half_life":"2 days","cap":40},"up":50},"half_life":"7 days","lookback":"30 days","as_of":"2026-10-01 00:00:00+00"}"#,
    );
    let a = ts(ASOF);
    let mut g = Lcg(7);
    for _ in 0..50 {
        let rows = random_rows(&mut g, 300, a);
        let (h_all, s_all) = run(&m, 0, &rows);
        let cut1 = (g.next() % 300) as usize;
        let cut2 = cut1 + (g.next() % (300 - cut1 as u64)) as usize;
        let parts: Vec<_> = [&rows[..cut1], &rows[cut1..cut2], &rows[cut2..]]
            .iter()
            .map(|r| run(&m, 0, r))
            .collect();
        // (p0 + p1) + p2
        let (mut h1, mut s1) = parts[0].clone();
        merge(&mut h1, &mut s1, &parts[1].0, &parts[1].1, &m).unwrap();
        merge(&mut h1, &mut s1, &parts[2].0, &parts[2].1, &m).unwrap();
        // p0 + (p1 + p2)
        let (mut h2, mut s2) = parts[1].clone();
        merge(&mut h2, &mut s2, &parts[2].0, &parts[2].1, &m).unwrap();
        let (mut h3, mut s3) = parts[0].clone();
        merge(&mut h3, &mut s3, &h2, &s2, &m).unwrap();
        for (h, s) in [(&h1, &s1), (&h3, &s3)] {
            assert!(close(score(&m, s), score(&m, &s_all)));
            assert_eq!(
                (h.events, h.unweighted, h.last_seen),
                (h_all.events, h_all.unweighted, h_all.last_seen)
            );
            assert_eq!(
                s.iter().map(|x| x.count).collect::<Vec<_>>(),
                s_all.iter().map(|x| x.count).collect::<Vec<_>>()
            );
        }
    }
}

#[test]
fn daily_summaries_reanchored_equal_raw_scoring() {
    // Summaries per day (as_of = end of that day, no lookback), rolled up and re-anchored
    // to day D, equal scoring that window's raw events at D.
    let body = r#""weights":{"login":1,"ticket":{"weight":-5,"half_life":"2 days"},"up":50},"half_life":"7 days""#;
    let d_end = ts(ASOF);
    let mut g = Lcg(11);
    let mut total = (
        Header::new(&model(&format!("{{{body},\"as_of\":\"{ASOF}\"}}")), 0),
        vec![Slot::default(); 3],
    );
    let raw_model = model(&format!("{{{body},\"as_of\":\"{ASOF}\"}}"));
    let mut all_rows = Vec::new();
    for day in 0..30 {
        let end = d_end - (29 - day) * USECS_PER_DAY;
        let m = model(&format!(
            "{{{body},\"as_of\":\"{}\"}}",
            format_timestamp(end)
        ));
        let rows: Vec<_> = (0..40)
            .map(|_| {
                (
                    Some(["login", "ticket", "up"][(g.next() % 3) as usize]),
                    Some(end - 1 - (g.big() % (USECS_PER_DAY as u64 - 1)) as i64),
                )
            })
            .collect();
        all_rows.extend(rows.clone());
        let (h, s) = run(&m, 0, &rows);
        if day == 0 {
            total = (h, s);
        } else {
            merge(&mut total.0, &mut total.1, &h, &s, &m).unwrap();
        }
    }
    let (_, s_raw) = run(&raw_model, 0, &all_rows);
    assert_eq!(total.0.anchor, d_end);
    assert!(close(
        score(&raw_model, &total.1),
        score(&raw_model, &s_raw)
    ));
    // re-anchoring later equals scoring at that later instant
    let later = d_end + 3 * USECS_PER_DAY;
    let m_later = model(&format!(
        "{{{body},\"as_of\":\"{}\"}}",
        format_timestamp(later)
    ));
    let (_, s_later) = run(&m_later, 0, &all_rows);
    assert!(close(
        score_at(&total.0, &total.1, &raw_model, later).unwrap(),
        score(&m_later, &s_later)
    ));
    assert!(score_at(&total.0, &total.1, &raw_model, d_end - 1).is_err());
}

#[test]
fn retract_undoes_accumulate_without_decay() {
    let m = model(
        r#"{"weights":{"login":1.1,"ticket":-3},"lookback":"30 days","as_of":"2026-10-01 00:00:00+00"}"#,
    );
    let a = ts(ASOF);
    let mut g = Lcg(3);
    let rows = random_rows(&mut g, 500, a);
    let (mut h, mut s) = run(&m, 0, &rows);
    for (e, t) in &rows[100..] {
        assert!(retract(&mut h, &mut s, &m, e.map(|x| x.as_bytes()), *t));
    }
    let (h2, s2) = run(&m, 0, &rows[..100]);
    assert_eq!(s, s2);
    assert_eq!((h.events, h.unweighted), (h2.events, h2.unweighted));
    let decaying = model(r#"{"weights":{"login":1},"half_life":"1 day"}"#);
    assert!(!retract(&mut h, &mut s, &decaying, Some(b"login"), Some(a)));
}

#[test]
fn binary_and_text_forms_round_trip() {
    let m = model(
        r#"{"weights":{"login":1,"ticket":{"weight":-5,"half_life":"2 days","cap":40},"up":50},"half_life":"7 days","as_of":"2026-10-01 00:00:00+00"}"#,
    );
    let mut g = Lcg(5);
    let (h, s) = run(&m, 0, &random_rows(&mut g, 200, ts(ASOF)));
    let bytes = encode(&h, &s, &m.body);
    let d = decode(&bytes).unwrap();
    assert_eq!(model_text(d.model_body).unwrap(), m.body);
    assert_eq!(d.header, h);
    assert_eq!(&d.slots[..], &s[..]);
    let text = to_json(&h, &s, &m);
    let (m2, h2, s2) = from_json(&text, &TestTime).unwrap_or_else(|e| panic!("{e} in {text}"));
    assert_eq!(m2.body, m.body);
    assert_eq!(h2, Header { model: 0, ..h });
    assert_eq!(s2, s);
    for n in 0..bytes.len() {
        assert!(decode(&bytes[..n]).is_err(), "prefix {n} must not decode");
    }
    // Format 2 was never released: only 3 (0.1.0) and 4 read.
    for v in [0u8, 1, 2, 5] {
        let mut b = bytes.clone();
        b[0] = v;
        let e = decode(&b).err().expect("unknown version must not decode");
        assert!(
            e.to_string()
                .contains(&format!("unknown format version {v}")),
            "{e}"
        );
    }
}

#[test]
fn many_slots_decode_from_the_heap() {
    for n in [0usize, 1, 16, 17, 40] {
        let slots: Vec<Slot> = (0..n)
            .map(|i| Slot {
                count: i as i64,
                decayed: i as f64 / 3.0,
            })
            .collect();
        let h = Header {
            model: 0,
            anchor: 10,
            events: (n * n.saturating_sub(1) / 2 + 1) as i64,
            unweighted: 1,
            last_seen: 7,
            first_seen: 6,
            next: 0,
            nslots: n as u32,
            timed: 1,
        };
        let bytes = encode(&h, &slots, "{}");
        let d = decode(&bytes).unwrap();
        assert_eq!(&d.slots[..], &slots[..]);
        assert_eq!(d.header, h);
    }
    assert!(model_text(&[0xff, 0xfe]).is_err());
}

/// The byte offset of the slot-count fields of an encoded summary with model "{}".
const COUNTS_AT: usize = 8 + 2 + 40;

#[test]
fn sparse_summaries_leave_out_zero_slots() {
    let mut slots = vec![Slot::default(); 7];
    slots[3] = Slot {
        count: 2,
        decayed: 1.5,
    };
    let h = Header {
        model: 0,
        anchor: 10,
        events: 3,
        unweighted: 1,
        last_seen: 9,
        first_seen: 2,
        next: 0,
        nslots: 7,
        timed: 1,
    };
    let sparse = encode(&h, &slots, "{}");
    let dense_len = COUNTS_AT + 8 + 7 * SLOT_BYTES;
    assert_eq!(sparse.len(), dense_len - 7 * SLOT_BYTES + SPARSE_SLOT_BYTES);
    let d = decode(&sparse).unwrap();
    assert_eq!((&d.slots[..], d.header), (&slots[..], h));
    // Every slot set: dense is shorter, and is what is written.
    let full = vec![
        Slot {
            count: 1,
            decayed: 1.0
        };
        7
    ];
    let hf = Header { events: 8, ..h };
    assert_eq!(encode(&hf, &full, "{}").len(), dense_len);
    // Version 3 (0.1.0: no first_seen) still reads, first_seen unknown.
    let v4 = encode(&hf, &full, "{}");
    let mut v3 = v4[..COUNTS_AT - 8].to_vec();
    v3[0] = 3;
    v3.extend_from_slice(&v4[COUNTS_AT..]);
    let d3 = decode(&v3).unwrap();
    assert_eq!(&d3.slots[..], &full[..]);
    assert_eq!(d3.header.first_seen, UNKNOWN_FIRST);
    // Indexes must be in range and increasing.
    let mut bad = sparse.clone();
    let at = COUNTS_AT + 8;
    bad[at..at + 4].copy_from_slice(&7u32.to_le_bytes());
    assert!(decode(&bad).is_err());
    for n in 0..sparse.len() {
        assert!(decode(&sparse[..n]).is_err(), "prefix {n} must not decode");
    }
}

#[test]
fn row_points_sum_to_the_score() {
    let mut g = Lcg(11);
    for text in [
        r#"{"weights":{"login":1.1,"ticket":-3,"up":50},"half_life":"7 days","lookback":"30 days","as_of":"2026-10-01 00:00:00+00"}"#,
        r#"{"weights":{"login":1,"ticket":{"weight":-5,"half_life":"2 days"}},"as_of":"2026-10-01 00:00:00+00"}"#,
        r#"{"weights":{"login":1,"ticket":-3}}"#,
    ] {
        let m = model(text);
        assert!(scores_by_row(&m), "{text}");
        let rows = random_rows(&mut g, 400, ts(ASOF));
        let (_, s) = run(&m, 0, &rows);
        let anchor = row_anchor(&m);
        let by_row: f64 = rows
            .iter()
            .filter_map(|(e, t)| row_points(&m, anchor, e.as_ref()?.as_bytes(), *t))
            .sum();
        assert!(
            close(by_row, score(&m, &s)),
            "{text}: {by_row} vs {}",
            score(&m, &s)
        );
    }
    let capped =
        model(r#"{"weights":{"login":{"weight":1,"cap":10}},"as_of":"2026-10-01 00:00:00+00"}"#);
    assert!(!scores_by_row(&capped));
    let floating = model(r#"{"weights":{"login":1},"half_life":"7 days"}"#);
    assert!(!scores_by_row(&floating));
}

#[test]
fn decayer_matches_decay_per_event_type() {
    let m = model(
        r#"{"weights":{"login":1,"ticket":{"weight":-5,"half_life":"2 days"},"up":50,"flat":{"weight":2,"half_life":null}},"half_life":"7 days"}"#,
    );
    for age in [0i64, 1, 3_600_000_000, 86_400_000_000 * 9] {
        let mut d = m.decayer(age);
        for i in [0, 1, 2, 3, 1, 0, 2] {
            assert_eq!(d.factor(i), m.decay(i, age), "event {i} age {age}");
        }
    }
}
