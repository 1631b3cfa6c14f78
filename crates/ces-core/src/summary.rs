//! Per-group state of model scoring, and the `ces_summary` value it finalises into.
//! A fixed header plus one 16-byte slot per weighted event type (count, decayed sum), so
//! the pgrx layer can palloc it as one block. Decayed sums are anchored at `anchor` (the
//! as_of): re-anchoring to a later instant multiplies by 0.5^(Δ/half_life), which is exact
//! up to rounding, so summaries roll up and re-score history without rereading events.
//! With a lookback, a summary also knows its earliest and latest counted event: moving it to
//! a later as_of is exact while none of them leaves the window, and an error otherwise.
//! Every value the binary or text input accepts is consistent, prints and reads back equal.

use crate::error::{CesError, ErrorKind};
use crate::limits::{MAX_EVENT_TYPES, MAX_MODEL_BYTES};
use crate::model::Model;
use crate::time::{format_timestamp, valid_timestamp, TimeParser, TS_INFINITY, TS_NEG_INFINITY};
use serde_json::{Map, Value};

/// No timestamp (no counted event yet).
pub const NO_TS: i64 = i64::MIN;
/// `first_seen` of a summary without a counted event (the neutral element of `min`).
pub const NO_FIRST: i64 = i64::MAX;
/// `first_seen` of a summary written before it was recorded (format 3 and older, or text
/// without it): any earlier instant may hold a counted event.
pub const UNKNOWN_FIRST: i64 = i64::MIN;
/// 4: the header records first_seen. 3: slots that are all zero are left out when that is
/// shorter (one summary per account and day usually holds one or two event types).
/// 3 and 2 (always dense) are still read, with first_seen unknown.
const FORMAT_VERSION: u8 = 4;
/// A left-out-zeros slot entry: u32 index, i64 count, f64 decayed.
const SPARSE_SLOT_BYTES: usize = 4 + SLOT_BYTES;

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

/// No counted event of `h` is earlier than this. An unrecorded first_seen (format 3) is
/// bounded by the summary's own window when the model has a lookback.
pub fn earliest(h: &Header, model: &Model) -> i64 {
    match (h.first_seen, model.lookback) {
        (UNKNOWN_FIRST, Some(lb)) if h.timed == 1 => h.anchor.saturating_sub(lb).saturating_add(1),
        (f, _) => f,
    }
}

/// Where a summary's counted events lie against the lookback window at `as_of`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Window {
    /// All inside (or the model has no lookback): re-anchoring is exact.
    Inside,
    /// All before the window's start: the summary counts nothing at `as_of`.
    Outside,
    /// Some inside, some out: a summary cannot tell which, so re-anchoring would be inexact.
    Straddles,
}

/// Places `h`'s counted events against the window of `model`'s lookback ending at `as_of`.
pub fn window_at(h: &Header, model: &Model, as_of: i64) -> Window {
    let Some(lb) = model.lookback else {
        return Window::Inside;
    };
    if h.timed == 0 || h.events == 0 {
        return Window::Inside;
    }
    let start = as_of.saturating_sub(lb); // the window is (start, as_of]
    if earliest(h, model) > start {
        Window::Inside
    } else if h.last_seen != NO_TS && h.last_seen <= start {
        Window::Outside
    } else {
        Window::Straddles
    }
}

/// The error for a summary whose events straddle the window's start at `as_of`.
pub fn straddles_error(h: &Header, model: &Model, as_of: i64, what: &str) -> CesError {
    let lb = model.lookback.unwrap_or(0);
    let first = earliest(h, model);
    CesError::invalid(format!(
        "{what} at {} would drop some of the summary's events: its lookback window starts after {}, and the summary counts events from {} to {}",
        format_timestamp(as_of),
        format_timestamp(as_of.saturating_sub(lb)),
        if first == UNKNOWN_FIRST { "an unrecorded instant".to_string() } else { format_timestamp(first) },
        format_timestamp(h.last_seen),
    ))
    .with_hint(
        "a summary cannot tell which events leave the window: re-aggregate the events with ces_agg, or roll up daily summaries filtered to the window (day >= as_of - lookback)",
    )
}

/// A rolled-up or merged state at its own anchor: exact (`Inside`), or nothing left in the
/// window (`Outside`); an error when some of its events have left the window.
pub fn check_window(h: &Header, model: &Model, what: &str) -> Result<Window, CesError> {
    match window_at(h, model, h.anchor) {
        Window::Straddles => Err(straddles_error(h, model, h.anchor, what)),
        w => Ok(w),
    }
}

/// An empty summary (nothing counted) at `h`'s anchor.
pub fn emptied(h: &Header) -> Header {
    Header {
        events: 0,
        unweighted: 0,
        last_seen: NO_TS,
        first_seen: NO_FIRST,
        ..*h
    }
}

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

/// Binary form (the `ces_summary` varlena payload and the parallel-aggregation wire format):
/// version, timed flag, model body length and text, the header's counters, then the slots.
pub fn encode(h: &Header, slots: &[Slot], model_body: &str) -> Vec<u8> {
    let present = slots.iter().filter(|s| !is_zero(s)).count();
    let sparse = present * SPARSE_SLOT_BYTES < slots.len() * SLOT_BYTES;
    let mut out = Vec::with_capacity(56 + model_body.len() + slots.len() * SLOT_BYTES);
    out.extend_from_slice(&[FORMAT_VERSION, h.timed as u8, 0, 0]);
    out.extend_from_slice(&(model_body.len() as u32).to_le_bytes());
    out.extend_from_slice(model_body.as_bytes());
    for v in [h.anchor, h.events, h.unweighted, h.last_seen, h.first_seen] {
        out.extend_from_slice(&v.to_le_bytes());
    }
    out.extend_from_slice(&(slots.len() as u32).to_le_bytes());
    out.extend_from_slice(&(if sparse { present } else { slots.len() } as u32).to_le_bytes());
    for (i, s) in slots.iter().enumerate() {
        if sparse {
            if is_zero(s) {
                continue;
            }
            out.extend_from_slice(&(i as u32).to_le_bytes());
        }
        out.extend_from_slice(&s.count.to_le_bytes());
        out.extend_from_slice(&s.decayed.to_le_bytes());
    }
    out
}

fn is_zero(s: &Slot) -> bool {
    s.count == 0 && s.decayed.to_bits() == 0
}

/// A decoded binary summary; `model_body` is checked against the slots by the caller, and
/// is only known to be UTF-8 once `model_text` says so (callers that have seen the same
/// bytes before skip that check).
pub struct Decoded<'a> {
    pub model_body: &'a [u8],
    pub header: Header,
    pub slots: SlotBuf,
}

/// The model text of a decoded summary.
pub fn model_text(body: &[u8]) -> Result<&str, CesError> {
    std::str::from_utf8(body)
        .map_err(|_| CesError::binary("invalid ces_summary: model is not UTF-8"))
}

/// Slots decoded on the stack when there are few (no allocation per summary read).
pub struct SlotBuf {
    inline: [Slot; INLINE_SLOTS],
    len: usize,
    heap: Vec<Slot>,
}

const INLINE_SLOTS: usize = 16;

impl SlotBuf {
    fn with_len(len: usize) -> SlotBuf {
        SlotBuf {
            inline: [Slot::default(); INLINE_SLOTS],
            len,
            heap: if len > INLINE_SLOTS {
                vec![Slot::default(); len]
            } else {
                Vec::new()
            },
        }
    }
}

impl std::ops::Deref for SlotBuf {
    type Target = [Slot];
    fn deref(&self) -> &[Slot] {
        if self.len > INLINE_SLOTS {
            &self.heap
        } else {
            &self.inline[..self.len]
        }
    }
}

impl std::ops::DerefMut for SlotBuf {
    fn deref_mut(&mut self) -> &mut [Slot] {
        if self.len > INLINE_SLOTS {
            &mut self.heap
        } else {
            &mut self.inline[..self.len]
        }
    }
}

/// Reads a binary summary (the stored value, binary input and the parallel wire format).
/// Every size is checked against the bytes present and the limits before anything is
/// allocated, and every value against the rules a summary built from rows obeys (see
/// `check_slot`, `check_header`); the model-dependent rules are `check_model`'s.
/// Up to 16 slots decode without allocating.
pub fn decode(bytes: &[u8]) -> Result<Decoded<'_>, CesError> {
    let bad = |why: &str| CesError::binary(format!("invalid ces_summary: {why}"));
    let mut r = Reader { bytes, pos: 0 };
    let head = r.take(4).ok_or_else(|| bad("too short"))?;
    let version = head[0];
    if !(2..=FORMAT_VERSION).contains(&version) {
        return Err(bad(&format!("unknown format version {version}")));
    }
    if head[1] > 1 || head[2] != 0 || head[3] != 0 {
        return Err(bad(&format!(
            "undefined flags {:#04x} {:#04x} {:#04x}",
            head[1], head[2], head[3]
        )));
    }
    let timed = head[1] as u32;
    let len = r.u32().ok_or_else(|| bad("too short"))? as usize;
    if len > r.bytes.len() - r.pos {
        return Err(bad("truncated model"));
    }
    if len > MAX_MODEL_BYTES {
        return Err(CesError::limit(format!(
            "ces_summary model of {len} bytes exceeds the limit of {MAX_MODEL_BYTES} bytes"
        )));
    }
    let model_body = r.take(len).ok_or_else(|| bad("truncated model"))?;
    let mut v = [0i64; 5];
    let counters = if version >= 4 { 5 } else { 4 };
    for x in v.iter_mut().take(counters) {
        *x = r.i64().ok_or_else(|| bad("truncated header"))?;
    }
    let nslots = r.u32().ok_or_else(|| bad("truncated header"))?;
    let stored = r.u32().ok_or_else(|| bad("truncated header"))?;
    let rest = r.bytes.len() - r.pos;
    let dense = version == 2 || stored == nslots;
    let (entries, entry_bytes) = if dense {
        (nslots as usize, SLOT_BYTES)
    } else {
        (stored as usize, SPARSE_SLOT_BYTES)
    };
    // sizes against the bytes present first, then against the limit, then allocate
    if stored > nslots && !dense || entries.checked_mul(entry_bytes) != Some(rest) {
        return Err(bad("slot count does not match its length"));
    }
    let n = nslots as usize;
    if n > MAX_EVENT_TYPES {
        return Err(CesError::limit(format!(
            "ces_summary of {n} event types exceeds the limit of {MAX_EVENT_TYPES}"
        )));
    }
    let mut slots = SlotBuf::with_len(n);
    let mut sum: i64 = 0;
    let mut next = 0usize;
    for k in 0..entries {
        let i = if dense {
            k
        } else {
            let i = r.u32().ok_or_else(|| bad("truncated slot"))? as usize;
            if i < next || i >= n {
                return Err(bad("slot indexes out of order"));
            }
            next = i + 1;
            i
        };
        let s = r.slot().ok_or_else(|| bad("truncated slot"))?;
        check_slot(&s).map_err(|why| bad(&why))?;
        sum = sum
            .checked_add(s.count)
            .ok_or_else(|| bad("event counts overflow"))?;
        slots[i] = s;
    }
    let last_seen = v[3];
    let first_seen = if version >= 4 {
        v[4]
    } else if v[1] == 0 {
        NO_FIRST
    } else {
        UNKNOWN_FIRST
    };
    let header = Header {
        model: 0,
        anchor: v[0],
        events: v[1],
        unweighted: v[2],
        last_seen,
        first_seen,
        next: 0,
        nslots,
        timed,
    };
    check_header(&header, sum).map_err(|why| bad(&why))?;
    Ok(Decoded {
        model_body,
        header,
        slots,
    })
}

/// Rules every slot of a summary built from rows obeys: a count is never negative, a
/// decayed sum is finite, never negative (not even -0), zero when the count is, and at most
/// the count (each event adds at most 1). It may be 0 with a positive count: decay underflows.
#[inline]
fn check_slot(s: &Slot) -> Result<(), String> {
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
fn check_header(h: &Header, weighted: i64) -> Result<(), String> {
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

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let s = self.bytes.get(self.pos..self.pos.checked_add(n)?)?;
        self.pos += n;
        Some(s)
    }
    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?))
    }
    fn i64(&mut self) -> Option<i64> {
        Some(i64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }
    fn slot(&mut self) -> Option<Slot> {
        Some(Slot {
            count: self.i64()?,
            decayed: f64::from_bits(self.i64()? as u64),
        })
    }
}

/// Readable text form: `{"model": {...}, "as_of": "...", "events": n, "unweighted": n,
/// "first_seen": "...", "last_seen": "...", "counts": {"login": [count, decayed], ...}}`.
/// Floats print in shortest round-trip form, so text I/O is exact. first_seen is left out
/// only when nothing was counted and none is recorded; text without it otherwise (0.1.0)
/// reads as unrecorded.
pub fn to_json(h: &Header, slots: &[Slot], model: &Model) -> String {
    let mut counts = Map::new();
    for (i, s) in slots
        .iter()
        .enumerate()
        .filter(|(_, s)| s.count != 0 || s.decayed != 0.0)
    {
        counts.insert(
            model.weights.name(i).to_string(),
            Value::Array(vec![Value::from(s.count), float(s.decayed)]),
        );
    }
    let mut m = Map::new();
    m.insert(
        "model".into(),
        serde_json::from_str(&model.body).expect("canonical model JSON"),
    );
    if h.timed == 1 {
        m.insert("as_of".into(), Value::String(format_timestamp(h.anchor)));
    }
    m.insert("events".into(), Value::from(h.events));
    m.insert("unweighted".into(), Value::from(h.unweighted));
    if h.last_seen != NO_TS {
        m.insert(
            "last_seen".into(),
            Value::String(format_timestamp(h.last_seen)),
        );
    }
    if !(h.first_seen == NO_FIRST && h.events == 0) {
        m.insert(
            "first_seen".into(),
            Value::String(format_timestamp(h.first_seen)),
        );
    }
    m.insert("counts".into(), Value::Object(counts));
    Value::Object(m).to_string()
}

fn float(x: f64) -> Value {
    serde_json::Number::from_f64(x)
        .map(Value::Number)
        .unwrap_or(Value::Null)
}

/// Bytes of a summary's text form: its model plus a few numbers per event type.
const MAX_SUMMARY_TEXT_BYTES: usize = 4 * MAX_MODEL_BYTES;

/// Parses the text form back into a model, header and slots; malformed or inconsistent
/// text is 22P02 (the rules are `decode`'s).
pub fn from_json(text: &str, tp: &dyn TimeParser) -> Result<(Model, Header, Vec<Slot>), CesError> {
    if text.len() > MAX_SUMMARY_TEXT_BYTES {
        return Err(CesError::limit(format!(
            "ces_summary text of {} bytes exceeds the limit of {MAX_SUMMARY_TEXT_BYTES} bytes",
            text.len()
        )));
    }
    let bad = |why: String| CesError::text(format!("invalid ces_summary: {why}"));
    let v: Value = serde_json::from_str(text).map_err(|e| bad(format!("not valid JSON: {e}")))?;
    let o = v
        .as_object()
        .ok_or_else(|| bad("not a JSON object".into()))?;
    if let Some(k) = o.keys().find(|k| {
        ![
            "model",
            "as_of",
            "events",
            "unweighted",
            "last_seen",
            "first_seen",
            "counts",
        ]
        .contains(&k.as_str())
    }) {
        return Err(bad(format!("unknown key \"{k}\"")));
    }
    let model_v = o.get("model").ok_or_else(|| bad("no \"model\"".into()))?;
    if model_v.get("as_of").is_some() {
        return Err(bad(
            "the model must not carry as_of; the summary's \"as_of\" holds it".into(),
        ));
    }
    let model = Model::parse_json(&model_v.to_string(), tp).map_err(|e| match e.kind {
        ErrorKind::InvalidParameter => CesError {
            message: format!("invalid ces_summary: {}", e.message),
            ..e.with_kind(ErrorKind::InvalidText)
        },
        _ => e,
    })?;
    let int = |k: &str| -> Result<i64, CesError> {
        match o.get(k) {
            None => Ok(0),
            Some(x) => x
                .as_i64()
                .ok_or_else(|| bad(format!("\"{k}\" must be an integer"))),
        }
    };
    let ts = |k: &str| -> Result<Option<i64>, CesError> {
        match o.get(k) {
            None => Ok(None),
            Some(Value::String(s)) => tp
                .timestamp(s)
                .map(Some)
                .map_err(|e| bad(format!("\"{k}\": {e}"))),
            Some(_) => Err(bad(format!("\"{k}\" must be a timestamp string"))),
        }
    };
    let anchor = ts("as_of")?;
    let timed = model.has_time_rules() || anchor.is_some();
    if model.has_time_rules() && anchor.is_none() {
        return Err(bad("a model with time rules needs \"as_of\"".into()));
    }
    let mut slots = vec![Slot::default(); model.len()];
    let mut weighted: i64 = 0;
    if let Some(c) = o.get("counts") {
        let c = c
            .as_object()
            .ok_or_else(|| bad("\"counts\" must be an object".into()))?;
        for (name, pair) in c {
            let i = model
                .weights
                .index_of(name.as_bytes())
                .ok_or_else(|| bad(format!("event \"{name}\" is not in the model")))?;
            let arr = pair
                .as_array()
                .filter(|a| a.len() == 2)
                .ok_or_else(|| bad(format!("counts of \"{name}\" must be [count, decayed]")))?;
            let count = arr[0]
                .as_i64()
                .ok_or_else(|| bad(format!("count of \"{name}\" must be an integer")))?;
            let decayed = match &arr[1] {
                Value::Number(n) => n.to_string().parse::<f64>().ok(),
                _ => None,
            }
            .ok_or_else(|| bad(format!("decayed sum of \"{name}\" must be a number")))?;
            let slot = Slot { count, decayed };
            check_slot(&slot).map_err(|why| bad(format!("event \"{name}\": {why}")))?;
            weighted = weighted
                .checked_sub(slots[i].count)
                .and_then(|w| w.checked_add(count))
                .ok_or_else(|| bad("event counts overflow".into()))?;
            slots[i] = slot;
        }
    }
    let events = int("events")?;
    let last_seen = ts("last_seen")?.unwrap_or(NO_TS);
    let first_seen =
        ts("first_seen")?.unwrap_or(if events == 0 { NO_FIRST } else { UNKNOWN_FIRST });
    let header = Header {
        model: 0,
        anchor: anchor.unwrap_or(0),
        events,
        unweighted: int("unweighted")?,
        last_seen,
        first_seen,
        next: 0,
        nslots: model.len() as u32,
        timed: timed as u32,
    };
    check_header(&header, weighted).map_err(bad)?;
    check_model(&header, &slots, &model).map_err(bad)?;
    check_own_window(&header, &model).map_err(bad)?;
    Ok((model, header, slots))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::testing::{ts, SimpleTime};
    use crate::time::USECS_PER_DAY;

    fn model(text: &str) -> Model {
        Model::parse_json(text, &SimpleTime).unwrap()
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
        let m = model(
            r#"{"weights":{"login":1},"lookback":"30 days","as_of":"2026-10-01 00:00:00+00"}"#,
        );
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

    /// A tiny deterministic generator for the property tests below.
    struct Lcg(u64);
    impl Lcg {
        fn next(&mut self) -> u64 {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            self.0 >> 33
        }
        fn big(&mut self) -> u64 {
            self.next() << 31 | self.next()
        }
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
        let (m2, h2, s2) =
            from_json(&text, &SimpleTime).unwrap_or_else(|e| panic!("{e} in {text}"));
        assert_eq!(m2.body, m.body);
        assert_eq!(h2, Header { model: 0, ..h });
        assert_eq!(s2, s);
        for n in 0..bytes.len() {
            assert!(decode(&bytes[..n]).is_err(), "prefix {n} must not decode");
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
        // Version 2 (dense, reserved zero, no first_seen) still reads, first_seen unknown.
        let v4 = encode(&hf, &full, "{}");
        let mut v2 = v4[..COUNTS_AT - 8].to_vec();
        v2[0] = 2;
        v2.extend_from_slice(&7u32.to_le_bytes());
        v2.extend_from_slice(&0u32.to_le_bytes());
        v2.extend_from_slice(&v4[COUNTS_AT + 8..]);
        let d2 = decode(&v2).unwrap();
        assert_eq!(&d2.slots[..], &full[..]);
        assert_eq!(d2.header.first_seen, UNKNOWN_FIRST);
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
        let capped = model(
            r#"{"weights":{"login":{"weight":1,"cap":10}},"as_of":"2026-10-01 00:00:00+00"}"#,
        );
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
}
