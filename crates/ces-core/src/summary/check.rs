//! The rules every summary built from rows obeys; binary and text input check them, so
//! every value they accept is consistent, prints and reads back equal.

use super::state::{Header, Slot};
use super::window::{window_at, Window};
use crate::model::Model;
use crate::time::{format_timestamp, valid_timestamp, TS_INFINITY, TS_NEG_INFINITY};

/// Rules every slot of a summary built from rows obeys: a count is never negative, a
/// decayed sum is finite, never negative (not even -0), zero when the count is, and at most
/// the count (each event adds at most 1). It may be 0 with a positive count: decay underflows.
#[inline]
pub(super) fn check_slot(s: &Slot) -> Result<(), String> {
    let d = s.decayed;
    let c = s.count as f64;
    if s.count < 0 {
        return Err(format!("negative event count {}", s.count));
    }
    if !d.is_finite() || d.is_sign_negative() {
        return Err(format!(
            "decayed sum {} is not a finite number >= 0",
            crate::error::pg_float(d)
        ));
    }
    if (s.count == 0 && d != 0.0) || d > c + c * f64::EPSILON * 64.0 {
        return Err(format!(
            "decayed sum {d} does not fit event count {} (0 <= decayed <= count)",
            s.count
        ));
    }
    Ok(())
}

/// Header rules: counts never negative, `events` = weighted counts + unweighted, instants
/// that PostgreSQL can print and read, first_seen <= last_seen <= as_of.
pub(super) fn check_header(h: &Header, weighted: i64) -> Result<(), String> {
    if h.events < 0 || h.unweighted < 0 {
        return Err(format!(
            "negative event count (events {}, unweighted {})",
            h.events, h.unweighted
        ));
    }
    if weighted.checked_add(h.unweighted) != Some(h.events) {
        return Err(format!(
            "events {} is not the sum of the event counts {} and unweighted {}",
            h.events, weighted, h.unweighted
        ));
    }
    if h.timed == 1 {
        if !valid_timestamp(h.anchor) || h.anchor == TS_INFINITY || h.anchor == TS_NEG_INFINITY {
            return Err(format!(
                "as_of {} is not a finite timestamp",
                format_timestamp(h.anchor)
            ));
        }
    } else if h.anchor != 0 {
        return Err("a summary without as_of has an anchor".into());
    }
    if !valid_timestamp(h.last_seen) {
        return Err(format!(
            "last_seen {} is not a valid timestamp",
            h.last_seen
        ));
    }
    if !valid_timestamp(h.first_seen) {
        return Err(format!(
            "first_seen {} is not a valid timestamp",
            h.first_seen
        ));
    }
    let real = |t: i64| t != TS_INFINITY && t != TS_NEG_INFINITY;
    if real(h.first_seen) && real(h.last_seen) && h.first_seen > h.last_seen {
        return Err("first_seen is after last_seen".into());
    }
    if h.timed == 1 && real(h.last_seen) && h.last_seen > h.anchor {
        return Err("last_seen is after as_of".into());
    }
    Ok(())
}

/// Rules that need the model: a model with time rules has an as_of, and without decay every
/// decayed sum equals its count.
pub fn check_model(h: &Header, slots: &[Slot], model: &Model) -> Result<(), String> {
    if slots.len() != model.len() {
        return Err(format!(
            "{} slots for a model of {} event types",
            slots.len(),
            model.len()
        ));
    }
    if model.as_of.is_some() {
        return Err("the model must not carry as_of; the summary's as_of holds it".into());
    }
    if model.has_time_rules() && h.timed == 0 {
        return Err("a model with time rules needs as_of".into());
    }
    if !model.has_decay() {
        for s in slots {
            if !equals_count(s) {
                return Err(format!(
                    "decayed sum {} differs from event count {} in a model without decay",
                    s.decayed, s.count
                ));
            }
        }
    }
    Ok(())
}

/// A summary value (not a partial rollup state) counts only events inside its own window.
pub fn check_own_window(h: &Header, model: &Model) -> Result<(), String> {
    if window_at(h, model, h.anchor) != Window::Inside {
        return Err("it counts events outside its lookback window".into());
    }
    Ok(())
}

/// Without decay each event adds exactly 1.0, which is exact below 2^53.
#[inline]
fn equals_count(s: &Slot) -> bool {
    let c = s.count as f64;
    s.decayed == c || (s.count > 1 << 53 && (s.decayed - c).abs() <= c * f64::EPSILON * 64.0)
}
