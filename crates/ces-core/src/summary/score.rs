//! Reading a summary: points per event type (caps applied), the score, the score at a
//! later as_of, depth and the per-event-type breakdown.

use super::state::{Header, Slot};
use super::window::{straddles_error, window_at, Window};
use crate::error::CesError;
use crate::model::Model;
use crate::time::format_timestamp;

/// Points of event type `i` and whether its cap cut them.
#[inline]
pub fn points(model: &Model, i: usize, slot: &Slot) -> (f64, bool) {
    let raw = model.rules[i].weight * slot.decayed;
    match model.rules[i].cap {
        Some(cap) if raw.abs() > cap => (cap.copysign(raw), true),
        _ => (raw, false),
    }
}

pub fn score(model: &Model, slots: &[Slot]) -> f64 {
    slots
        .iter()
        .enumerate()
        .filter(|(_, s)| s.count != 0)
        // fold from +0.0: f64's sum() starts at -0.0, so an empty score would print as -0
        .fold(0.0, |acc, (i, s)| acc + points(model, i, s).0)
}

/// The score re-anchored at a later `as_of`.
pub fn score_at(h: &Header, slots: &[Slot], model: &Model, as_of: i64) -> Result<f64, CesError> {
    if h.timed == 1 && as_of < h.anchor {
        return Err(CesError::invalid(format!(
            "as_of {} is before the summary's as_of {}; summaries can only be re-anchored later",
            format_timestamp(as_of),
            format_timestamp(h.anchor)
        )));
    }
    match window_at(h, model, as_of) {
        Window::Inside => {}
        Window::Outside => return Ok(0.0),
        Window::Straddles => return Err(straddles_error(h, model, as_of, "re-anchoring")),
    }
    if h.timed == 0 || as_of == h.anchor {
        return Ok(score(model, slots));
    }
    let mut decay = model.decayer(as_of.saturating_sub(h.anchor));
    let mut acc = 0.0;
    for (i, s) in slots.iter().enumerate().filter(|(_, s)| s.count != 0) {
        let moved = Slot {
            count: s.count,
            decayed: s.decayed * decay.factor(i),
        };
        acc += points(model, i, &moved).0;
    }
    Ok(acc)
}

/// Distinct weighted event types with at least one counted event.
pub fn depth(slots: &[Slot]) -> i32 {
    slots.iter().filter(|s| s.count > 0).count() as i32
}

pub struct BreakdownRow {
    /// None for the unweighted-events row.
    pub event: Option<String>,
    pub events: i64,
    pub weight: Option<f64>,
    pub points: f64,
    pub capped: bool,
}

/// One row per weighted event type seen, plus one for unweighted events when there are any.
pub fn breakdown(h: &Header, slots: &[Slot], model: &Model) -> Vec<BreakdownRow> {
    let mut rows: Vec<BreakdownRow> = slots
        .iter()
        .enumerate()
        .filter(|(_, s)| s.count != 0)
        .map(|(i, s)| {
            let (p, capped) = points(model, i, s);
            BreakdownRow {
                event: Some(model.weights.name(i).to_string()),
                events: s.count,
                weight: Some(model.rules[i].weight),
                points: p,
                capped,
            }
        })
        .collect();
    if h.unweighted != 0 {
        rows.push(BreakdownRow {
            event: None,
            events: h.unweighted,
            weight: None,
            points: 0.0,
            capped: false,
        });
    }
    rows
}
