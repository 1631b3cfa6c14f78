//! Re-anchoring and rollups against the raw query (issue 10, section 4): with a lookback,
//! a summary re-anchored or rolled up is exact, or an error; never silently wrong.
//! Summaries per day, per week and over arbitrary ranges, merged in several orders.

mod common;

use ces_core::summary::{self, Header, Slot, Window};
use ces_core::testing::Lcg;
use ces_core::time::USECS_PER_DAY;
use ces_core::Model;
use common::model;

const DAY: i64 = USECS_PER_DAY;
const START: i64 = 844_128_000_000_000; // 2026-10-01 00:00+00
const BODY: &str = r#""weights":{"login":1,"ticket":{"weight":-2,"half_life":"3 days"},"up":5},"half_life":"7 days","lookback":"30 days""#;

fn at(body: &str, as_of: i64) -> Model {
    let mut m = model(&format!("{{{body}}}"));
    m.as_of = Some(as_of);
    m
}

/// The raw query: every event scored at `as_of` with the model's lookback.
fn raw(body: &str, events: &[(&str, i64)], as_of: i64) -> f64 {
    let m = at(body, as_of);
    let mut h = Header::new(&m, as_of);
    let mut s = vec![Slot::default(); m.len()];
    for (e, ts) in events {
        summary::accumulate(&mut h, &mut s, &m, Some(e.as_bytes()), Some(*ts));
    }
    summary::score(&m, &s)
}

/// A summary of the events in [lo, hi), anchored at hi (the next midnight for a day).
fn part(body: &str, events: &[(&str, i64)], lo: i64, hi: i64) -> (Header, Vec<Slot>) {
    let m = at(body, hi);
    let mut h = Header::new(&m, hi);
    let mut s = vec![Slot::default(); m.len()];
    for (e, ts) in events.iter().filter(|(_, t)| (lo..hi).contains(t)) {
        summary::accumulate(&mut h, &mut s, &m, Some(e.as_bytes()), Some(*ts));
    }
    (h, s)
}

fn events(g: &mut Lcg, n: usize, days: i64) -> Vec<(&'static str, i64)> {
    (0..n)
        .map(|_| {
            let e = ["login", "ticket", "up", "other"][g.below(4) as usize];
            (e, START + 1 + g.below((days * DAY - 1) as u64) as i64)
        })
        .collect()
}

/// Rolls `parts` up in the given order, then resolves the window at the latest as_of.
fn rollup(
    m: &Model,
    parts: &[(Header, Vec<Slot>)],
    order: &[usize],
) -> Result<(Window, Header, Vec<Slot>), String> {
    let (mut h, mut s) = parts[order[0]].clone();
    for &i in &order[1..] {
        summary::merge(&mut h, &mut s, &parts[i].0, &parts[i].1, m).map_err(|e| e.message)?;
    }
    let w = summary::check_window(&h, m, "rolling up").map_err(|e| e.message)?;
    Ok((w, h, s))
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

/// Every order of rolling up gives the same outcome: the raw score of the parts' events
/// when each part lies inside the window, 0 when each lies before it, an error otherwise.
fn check_partition(body: &str, evs: &[(&str, i64)], bounds: &[i64], g: &mut Lcg) -> (usize, usize) {
    let m = model(&format!("{{{body}}}"));
    let lb = m.lookback.unwrap();
    let parts: Vec<_> = bounds
        .windows(2)
        .map(|w| part(body, evs, w[0], w[1]))
        .collect();
    let a = *bounds.last().unwrap();
    let cut = a - lb;
    let mut ok = 0;
    let mut errors = 0;
    // all parts, then only the parts starting inside the window (the daily recipe)
    for selected in [
        (0..parts.len()).collect::<Vec<_>>(),
        (0..parts.len()).filter(|&i| bounds[i] >= cut).collect(),
    ] {
        if selected.is_empty() {
            continue;
        }
        let classes: Vec<Window> = selected
            .iter()
            .map(|&i| summary::window_at(&parts[i].0, &m, a))
            .collect();
        let all_inside = classes.iter().all(|c| *c == Window::Inside);
        let all_outside = classes.iter().all(|c| *c != Window::Inside)
            && classes.iter().all(|c| *c == Window::Outside);
        let in_parts: Vec<(&str, i64)> = evs
            .iter()
            .filter(|(_, t)| {
                selected
                    .iter()
                    .any(|&i| (bounds[i]..bounds[i + 1]).contains(t))
            })
            .copied()
            .collect();
        let expect = raw(body, &in_parts, a);
        let mut outcomes = Vec::new();
        for k in 0..4 {
            let mut order = selected.clone();
            match k {
                0 => {}
                1 => order.reverse(),
                _ => {
                    for i in (1..order.len()).rev() {
                        order.swap(i, g.below(i as u64 + 1) as usize);
                    }
                }
            }
            outcomes.push(rollup(&m, &parts, &order));
        }
        for o in &outcomes {
            match o {
                Ok((Window::Inside, h, s)) => {
                    assert!(all_inside, "rolled up although a part is not inside");
                    assert_eq!(h.anchor, a);
                    assert!(
                        close(summary::score(&m, s), expect),
                        "{} vs {expect}",
                        summary::score(&m, s)
                    );
                    assert!(summary::check_own_window(h, &m).is_ok());
                }
                Ok((Window::Outside, _, _)) => assert!(all_outside),
                Ok((Window::Straddles, _, _)) => unreachable!(),
                Err(msg) => {
                    assert!(!all_inside && !all_outside, "{msg}");
                    assert!(
                        msg.contains("would drop some of the summary's events"),
                        "{msg}"
                    );
                }
            }
        }
        let kinds: Vec<_> = outcomes
            .iter()
            .map(|o| o.as_ref().map(|x| x.0).map_err(|_| ()))
            .collect();
        assert!(
            kinds.windows(2).all(|w| w[0] == w[1]),
            "order changes the outcome: {kinds:?}"
        );
        if all_inside {
            ok += 1;
            // the daily recipe (parts from the window's start on) equals the raw query
            let raw_all = raw(body, evs, a);
            if selected.len() < parts.len() && bounds.contains(&cut) {
                let s = &outcomes[0].as_ref().unwrap().2;
                assert!(close(summary::score(&m, s), raw_all));
            }
        } else {
            errors += 1;
        }
    }
    (ok, errors)
}

#[test]
fn daily_weekly_and_arbitrary_summaries_are_exact_or_an_error() {
    let mut g = Lcg(42);
    let mut totals = (0, 0);
    for round in 0..12 {
        let evs = events(&mut g, 600, 80);
        let days: Vec<i64> = (0..=80).map(|d| START + d * DAY).collect();
        let weeks: Vec<i64> = (0..=11)
            .map(|w| START + w * 7 * DAY + (round % 3) * DAY)
            .collect();
        let mut arbitrary = vec![START];
        while *arbitrary.last().unwrap() < START + 80 * DAY {
            let step = 1 + g.below(20 * DAY as u64) as i64;
            arbitrary.push(arbitrary.last().unwrap() + step);
        }
        for bounds in [&days, &weeks, &arbitrary] {
            let (ok, err) = check_partition(BODY, &evs, bounds, &mut g);
            totals.0 += ok;
            totals.1 += err;
        }
    }
    // both outcomes occur: the recipe rolls up, unfiltered rollups across the window's start raise
    assert!(totals.0 > 10 && totals.1 > 10, "{totals:?}");
}

#[test]
fn reanchoring_the_issue_example_raises_and_daily_rollup_is_exact() {
    // 60 daily events, a 30-day lookback: re-anchored 10 days later the raw query gives 20
    let body = r#""weights":{"login":1},"lookback":"30 days""#;
    let m = model(&format!("{{{body}}}"));
    let evs: Vec<(&str, i64)> = (0..60)
        .map(|d| ("login", START + d * DAY + 3_600_000_000))
        .collect();
    let a = START + 60 * DAY;
    let (h, s) = part(body, &evs, START, a);
    assert_eq!(summary::score(&m, &s), 30.0);
    assert_eq!(raw(body, &evs, a + 10 * DAY), 20.0);
    let e = summary::score_at(&h, &s, &m, a + 10 * DAY).unwrap_err();
    assert_eq!(e.kind, ces_core::error::ErrorKind::InvalidParameter);
    assert!(e.hint.unwrap().contains("roll up daily summaries"));
    // exact while nothing leaves the window, 0 once everything has
    assert_eq!(summary::score_at(&h, &s, &m, a).unwrap(), 30.0);
    assert_eq!(summary::score_at(&h, &s, &m, a + 31 * DAY).unwrap(), 0.0);
    // the daily recipe: one summary per day, the days inside the window at a + 10 days
    let later = a + 10 * DAY;
    let days: Vec<_> = (0..70)
        .map(|d| part(body, &evs, START + d * DAY, START + (d + 1) * DAY))
        .collect();
    let inside: Vec<usize> = (0..70usize)
        .filter(|&d| START + d as i64 * DAY >= later - 30 * DAY)
        .collect();
    let (w, h2, s2) = rollup(&m, &days, &inside).unwrap();
    assert_eq!(
        (w, summary::score(&m, &s2), h2.anchor),
        (Window::Inside, 20.0, later)
    );
    // unfiltered, the days before the window make it raise, in any order
    let all: Vec<usize> = (0..70).collect();
    assert!(rollup(&m, &days, &all).is_err());
    let rev: Vec<usize> = (0..70).rev().collect();
    assert!(rollup(&m, &days, &rev).is_err());
    // only days wholly before the window (with a later, empty summary): nothing left
    let mut old: Vec<usize> = (0..5).collect();
    old.push(69);
    let (w, _, _) = rollup(&m, &days, &old).unwrap();
    assert_eq!(w, Window::Outside);
}

#[test]
fn unrecorded_first_seen_is_bounded_by_the_window() {
    // A format-3 summary (first_seen unknown) may hold events anywhere in its window.
    let body = r#""weights":{"login":1},"lookback":"30 days""#;
    let m = model(&format!("{{{body}}}"));
    let (mut h, s) = part(body, &[("login", START + DAY)], START, START + 2 * DAY);
    h.first_seen = summary::UNKNOWN_FIRST;
    assert_eq!(summary::earliest(&h, &m), START + 2 * DAY - 30 * DAY + 1);
    assert!(summary::score_at(&h, &s, &m, START + 2 * DAY).is_ok());
    assert!(summary::score_at(&h, &s, &m, START + 3 * DAY).is_err());
    // without a lookback nothing leaves the window
    let m2 = model(r#"{"weights":{"login":1},"half_life":"7 days"}"#);
    assert!(summary::score_at(&h, &s, &m2, START + 300 * DAY).is_ok());
}

#[test]
fn rolled_up_counts_are_checked() {
    let m = model(r#"{"weights":{"login":1}}"#);
    let h = Header {
        model: 0,
        anchor: 0,
        events: 4611686018427387904,
        unweighted: 0,
        last_seen: summary::NO_TS,
        first_seen: summary::NO_FIRST,
        next: 0,
        nslots: 1,
        timed: 0,
    };
    let s = vec![Slot {
        count: 4611686018427387904,
        decayed: 4611686018427387904.0,
    }];
    summary::check_model(&h, &s, &m).unwrap();
    let (mut h2, mut s2) = (h, s.clone());
    let e = summary::merge(&mut h2, &mut s2, &h, &s, &m).unwrap_err();
    assert_eq!(e.kind, ces_core::error::ErrorKind::OutOfRange);
    assert_eq!(
        (h2.events, s2[0].count),
        (h.events, s[0].count),
        "a failed merge changes nothing"
    );
}
