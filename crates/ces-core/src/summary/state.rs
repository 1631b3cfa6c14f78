//! The summary state: a fixed header plus one 16-byte slot per weighted event type, and
//! what adding a row, retracting it, re-anchoring and merging do to it.

use super::window::earliest;
use crate::error::CesError;
use crate::model::Model;

/// No timestamp (no counted event yet).
pub const NO_TS: i64 = i64::MIN;
/// `first_seen` of a summary without a counted event (the neutral element of `min`).
pub const NO_FIRST: i64 = i64::MAX;
/// `first_seen` of a summary written before it was recorded (format 3 and older, or text
/// without it): any earlier instant may hold a counted event.
pub const UNKNOWN_FIRST: i64 = i64::MIN;

#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Header {
    /// Address of the parsed `Model` this state uses; owned by the pgrx layer, never serialised.
    pub model: usize,
    /// The as_of that rows were filtered and decayed against (when `timed`).
    pub anchor: i64,
    /// Counted events, weighted or not.
    pub events: i64,
    /// Counted events whose type has no weight.
    pub unweighted: i64,
    /// Latest ts of a counted event, or `NO_TS`.
    pub last_seen: i64,
    /// No counted event is earlier: the earliest counted ts for summaries built from rows,
    /// `NO_FIRST` when none was counted, `UNKNOWN_FIRST` when not recorded.
    pub first_seen: i64,
    /// The next part of a rollup state kept apart (see the pgrx layer's rollup); owned by
    /// the pgrx layer, never serialised, 0 in a decoded or new header.
    pub next: usize,
    pub nslots: u32,
    /// 1 when the model has time rules: rows are filtered and decayed against `anchor`.
    pub timed: u32,
}

#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Slot {
    pub count: i64,
    /// Sum of 0.5^((anchor - ts) / half_life) over the counted events; equals `count` without decay.
    pub decayed: f64,
}

pub const HEADER_BYTES: usize = std::mem::size_of::<Header>();
pub const SLOT_BYTES: usize = std::mem::size_of::<Slot>();

impl Header {
    /// A fresh state. `anchor` is the model's as_of, or now() when it has none.
    pub fn new(model: &Model, now: i64) -> Header {
        let timed = model.has_time_rules();
        Header {
            model: 0,
            anchor: if timed { model.as_of.unwrap_or(now) } else { 0 },
            events: 0,
            unweighted: 0,
            last_seen: NO_TS,
            first_seen: NO_FIRST,
            next: 0,
            nslots: model.len() as u32,
            timed: timed as u32,
        }
    }
}

/// Whether a row with this `ts` counts at `anchor`, and its decay age in microseconds.
#[inline]
fn counted_age(h: &Header, model: &Model, ts: Option<i64>) -> Option<i64> {
    counted_age_at((h.timed == 1).then_some(h.anchor), model, ts)
}

/// `counted_age` for an anchor (None: the model has no time rules, every row counts).
#[inline]
fn counted_age_at(anchor: Option<i64>, model: &Model, ts: Option<i64>) -> Option<i64> {
    let Some(anchor) = anchor else {
        return Some(0);
    };
    let ts = ts?;
    if ts > anchor {
        return None;
    }
    if let Some(lb) = model.lookback {
        if ts <= anchor.saturating_sub(lb) {
            return None;
        }
    }
    Some(anchor.saturating_sub(ts))
}

/// Whether a model's score is a plain sum of per-row points: no caps (a cap applies to an
/// event type's total), and a fixed anchor (an as_of, or no time rules). Such a score needs
/// no per-event-type state; `row_points` gives each row's share.
pub fn scores_by_row(model: &Model) -> bool {
    model.rules.iter().all(|r| r.cap.is_none())
        && (model.as_of.is_some() || !model.has_time_rules())
}

/// The anchor `row_points` takes for a model that `scores_by_row`.
pub fn row_anchor(model: &Model) -> Option<i64> {
    if model.has_time_rules() {
        model.as_of
    } else {
        None
    }
}

/// What one row adds to the score of a model that `scores_by_row`, anchored at `anchor`
/// (`row_anchor`); None when it adds nothing. The sum over rows equals `accumulate` then
/// `score` up to the order of floating-point additions.
#[inline]
pub fn row_points(
    model: &Model,
    anchor: Option<i64>,
    event: &[u8],
    ts: Option<i64>,
) -> Option<f64> {
    let age = counted_age_at(anchor, model, ts)?;
    let i = model.weights.index_of(event)?;
    Some(model.rules.get(i)?.weight * model.decay(i, age))
}

/// Whether a row leaves any existing state unchanged, decided from the model alone (no
/// read of the state, which is a random memory access per row when groups are many): a
/// NULL event, or, for a model with a fixed as_of, a ts outside its window.
#[inline]
pub fn row_is_inert(model: &Model, event: Option<&[u8]>, ts: Option<i64>) -> bool {
    if event.is_none() {
        return true;
    }
    let Some(as_of) = model.as_of else {
        return false;
    };
    match ts {
        None => true,
        Some(t) => {
            t > as_of
                || model
                    .lookback
                    .is_some_and(|lb| t <= as_of.saturating_sub(lb))
        }
    }
}

/// Adds one input row. `event` is None for a NULL event.
#[inline]
pub fn accumulate(
    h: &mut Header,
    slots: &mut [Slot],
    model: &Model,
    event: Option<&[u8]>,
    ts: Option<i64>,
) {
    let Some(event) = event else { return };
    let Some(age) = counted_age(h, model, ts) else {
        return;
    };
    h.events += 1;
    if let Some(t) = ts {
        // branches, not min/max: both rarely change, and a store per row costs more
        if t > h.last_seen {
            h.last_seen = t;
        }
        if t < h.first_seen {
            h.first_seen = t;
        }
    }
    // `get_mut`: this runs on the unguarded hot paths (the caller sized `slots` for
    // `model`, so it always finds the slot). The increments cannot overflow while
    // `h.events < i64::MAX` before the row, which those callers check: a state built row
    // by row has every count at most `events`.
    match model
        .weights
        .index_of(event)
        .and_then(|i| Some((i, slots.get_mut(i)?)))
    {
        Some((i, slot)) => {
            slot.count += 1;
            slot.decayed += model.decay(i, age);
        }
        None => h.unweighted += 1,
    }
}

/// Removes a row added earlier (the moving-window inverse). Returns false when the state
/// cannot be reversed exactly (decayed sums), so PostgreSQL recomputes the frame instead.
/// `last_seen` is not maintained here: window scoring does not read it.
pub fn retract(
    h: &mut Header,
    slots: &mut [Slot],
    model: &Model,
    event: Option<&[u8]>,
    ts: Option<i64>,
) -> bool {
    if model.has_decay() {
        return false;
    }
    let Some(event) = event else { return true };
    if counted_age(h, model, ts).is_none() {
        return true;
    }
    h.events -= 1;
    match model.weights.index_of(event) {
        Some(i) => {
            slots[i].count -= 1;
            slots[i].decayed -= 1.0;
        }
        None => h.unweighted -= 1,
    }
    true
}

/// Moves the decay anchor to a later instant.
pub fn reanchor(h: &mut Header, slots: &mut [Slot], model: &Model, anchor: i64) {
    if h.timed == 0 || anchor == h.anchor {
        return;
    }
    // an unrecorded first_seen is bounded by the window at the anchor it had
    h.first_seen = earliest(h, model);
    let mut decay = model.decayer(anchor.saturating_sub(h.anchor));
    for (i, s) in slots.iter_mut().enumerate() {
        if s.decayed != 0.0 {
            s.decayed *= decay.factor(i);
        }
    }
    h.anchor = anchor;
}

/// Merges `src` into `dst`; both use `model`. Decayed sums are re-anchored to the later as_of.
pub fn merge(
    dst: &mut Header,
    dst_slots: &mut [Slot],
    src: &Header,
    src_slots: &[Slot],
    model: &Model,
) -> Result<(), CesError> {
    if dst.timed != src.timed {
        return Err(CesError::invalid(
            "cannot combine summaries with and without an as_of",
        ));
    }
    let overflow = || {
        CesError::out_of_range("ces_summary event count out of range (above 9223372036854775807)")
    };
    let events = dst.events.checked_add(src.events).ok_or_else(overflow)?;
    let unweighted = dst
        .unweighted
        .checked_add(src.unweighted)
        .ok_or_else(overflow)?;
    for (d, s) in dst_slots.iter().zip(src_slots) {
        d.count.checked_add(s.count).ok_or_else(overflow)?;
    }
    // first_seen is a lower bound: an unrecorded one is bounded by the summary's own window
    let first_seen = earliest(dst, model).min(earliest(src, model));
    if dst.timed == 1 && src.anchor > dst.anchor {
        reanchor(dst, dst_slots, model, src.anchor);
    }
    let delta = dst.anchor.saturating_sub(src.anchor);
    let mut decay = model.decayer(delta);
    let decays = dst.timed == 1 && delta > 0;
    for (i, (d, s)) in dst_slots.iter_mut().zip(src_slots).enumerate() {
        d.count += s.count;
        d.decayed += if decays && s.decayed != 0.0 {
            s.decayed * decay.factor(i)
        } else {
            s.decayed
        };
    }
    dst.events = events;
    dst.unweighted = unweighted;
    dst.last_seen = dst.last_seen.max(src.last_seen);
    dst.first_seen = first_seen;
    Ok(())
}
