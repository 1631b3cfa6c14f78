//! Model scoring aggregates: `ces_score(event, ts, ces_model)`, `ces_agg(...)` returning a
//! `ces_summary`, `ces_rollup(ces_summary)`, and the moving-window (inverse) functions.
//! They share one state: a palloc'd block of a `summary::Header` and one `Slot` per weighted
//! event type, pointing at its parsed model (kept alive by the call site's cache). The state's
//! binary form is the `ces_summary` value, so parallel serialisation and summaries are one code path.

use crate::error::{raise, OrRaise};
use crate::fmgr::{self, pg_finfo_v1};
use crate::model_cache::{self, Source};
use crate::model_type::parse_model;
use crate::time;
use ces_core::error::ErrorKind;
use ces_core::limits::MAX_ROLLUP_RANGES;
use ces_core::summary::{self, Header, Slot, Window, HEADER_BYTES, SLOT_BYTES};
use ces_core::{CesError, Model, Weights};
use pgrx::pg_guard;
use pgrx::pg_sys::{self, Datum, FunctionCallInfo};
use pgrx::IntoDatum;

const MODEL_ARG: usize = 3;

#[inline(always)]
pub unsafe fn slots<'a>(h: *mut Header) -> &'a mut [Slot] {
    unsafe {
        std::slice::from_raw_parts_mut(
            (h as *mut u8).add(HEADER_BYTES) as *mut Slot,
            (*h).nslots as usize,
        )
    }
}

#[inline(always)]
pub unsafe fn model_of<'a>(h: *const Header) -> &'a Model {
    unsafe { &*((*h).model as *const Model) }
}

/// A state block in memory context `ctx`, initialised from `header` and `src` slots (or zeros).
unsafe fn alloc_state(
    ctx: pg_sys::MemoryContext,
    header: Header,
    model: &Model,
    src: Option<&[Slot]>,
) -> *mut Header {
    unsafe {
        let n = header.nslots as usize;
        let h = pg_sys::MemoryContextAllocZero(ctx, HEADER_BYTES + n * SLOT_BYTES) as *mut Header;
        if is_sum(Datum::from(h)) {
            // ces_score(model) tells its states from running sums by this (see `is_sum`);
            // user-space addresses are below 2^48 on the platforms PostgreSQL runs on.
            pgrx::error!("ces: state allocated at an address above 2^52");
        }
        *h = Header {
            model: model as *const Model as usize,
            ..header
        };
        if let Some(src) = src {
            slots(h).copy_from_slice(src);
        }
        h
    }
}

fn parse_weights_model(text: &str) -> Result<Model, CesError> {
    Weights::parse_json(text).map(Model::from_weights)
}

/// The model of this row: a `ces_model` argument, or jsonb weights turned into a model.
#[inline(always)]
unsafe fn row_model<'a>(fcinfo: FunctionCallInfo, jsonb: bool) -> Option<&'a Model> {
    unsafe {
        let m = fmgr::arg(fcinfo, MODEL_ARG);
        if m.isnull {
            return None;
        }
        Some(if jsonb {
            model_cache::parsed_stable(
                fcinfo,
                MODEL_ARG,
                m.value,
                Source::Jsonb("weights"),
                parse_weights_model,
            )
        } else {
            model_cache::parsed_stable(fcinfo, MODEL_ARG, m.value, Source::Text, parse_model)
        })
    }
}

/// The same model: one cache entry, or equal text (the inverse function has its own cache).
#[inline(always)]
unsafe fn same_model(h: *const Header, model: &Model) -> bool {
    unsafe {
        (*h).model == model as *const Model as usize || {
            let m = model_of(h);
            m.body == model.body && m.as_of == model.as_of
        }
    }
}

#[cold]
fn model_changed() -> ! {
    raise(
        CesError::invalid("every row of a group must use the same model")
            .with_hint("score groups with different models in separate aggregates, or join the model per group"),
    )
}

#[inline(always)]
unsafe fn trans(fcinfo: FunctionCallInfo, jsonb: bool) -> Datum {
    unsafe {
        match row_model(fcinfo, jsonb) {
            Some(model) => trans_with(fcinfo, model),
            // ces_agg has no summary to return without a model (NULL); a window frame's
            // state must not be NULL once it has rows (PostgreSQL raises 22004), so there
            // the rows that count nothing score 0, like the plain aggregate.
            None => null_model(fcinfo, jsonb, in_window(fcinfo)),
        }
    }
}

/// The state datum of rows seen that counted nothing before any model was known: the
/// finals read it as a score of 0 (it is also a running sum of 0, see `is_sum`).
const NOTHING_COUNTED: usize = 0;

/// A live palloc'd state, or None for NULL and for `NOTHING_COUNTED`.
#[inline(always)]
fn live_state(st: pg_sys::NullableDatum) -> Option<*mut Header> {
    (!st.isnull && st.value.value() != NOTHING_COUNTED).then(|| st.value.cast_mut_ptr::<Header>())
}

/// Marks argument `i` NULL when it is `NOTHING_COUNTED`; whether it was.
unsafe fn nothing_as_null(fcinfo: FunctionCallInfo, i: usize) -> bool {
    unsafe {
        let a = (*fcinfo).args.as_mut_ptr().add(i);
        let nothing = !(*a).isnull && (*a).value.value() == NOTHING_COUNTED;
        if nothing {
            (*a).isnull = true;
        }
        nothing
    }
}

/// Whether this call is a window aggregate's (moving or not).
unsafe fn in_window(fcinfo: FunctionCallInfo) -> bool {
    unsafe {
        pg_sys::AggCheckCallContext(fcinfo, std::ptr::null_mut()) as u32
            == pg_sys::AGG_CONTEXT_WINDOW
    }
}

/// A row whose model is NULL: an error when its event is not NULL (README, "NULLs"), else
/// it counts nothing. A NULL state then becomes `NOTHING_COUNTED` when `nothing_counted`.
unsafe fn null_model(fcinfo: FunctionCallInfo, jsonb: bool, nothing_counted: bool) -> Datum {
    unsafe {
        let e = fmgr::arg(fcinfo, 1);
        if !e.isnull {
            raise(CesError::invalid(format!(
                "{} NULL for event \"{}\"",
                if jsonb { "weights are" } else { "model is" },
                fmgr::display_bytes(fmgr::varlena_bytes(e.value))
            )));
        }
        let st = fmgr::arg(fcinfo, 0);
        if !st.isnull {
            st.value
        } else if nothing_counted {
            Datum::from(NOTHING_COUNTED)
        } else {
            fmgr::return_null(fcinfo)
        }
    }
}

/// Raised before a row would take a state's event count past i64::MAX. Every count in a
/// state built row by row is at most `events`, so this check keeps all of them in range.
#[cold]
fn too_many_rows() -> ! {
    raise(CesError::out_of_range(
        "ces_score: more than 9223372036854775807 events in one group",
    ))
}

/// Adds this row to the palloc'd state (made on the first row) of `model`.
#[inline(always)]
unsafe fn trans_with(fcinfo: FunctionCallInfo, model: &Model) -> Datum {
    unsafe {
        let st = fmgr::arg(fcinfo, 0);
        let live = live_state(st);
        let (event, ts) = fmgr::event_ts_args(fcinfo);
        if live.is_some() && summary::row_is_inert(model, event, ts) {
            return st.value; // no need to touch the (cache-cold) state
        }
        let h = match live {
            None => {
                let ctx = fmgr::agg_context(fcinfo, "ces_score");
                alloc_state(ctx, Header::new(model, time::now()), model, None)
            }
            Some(h) => {
                if !same_model(h, model) {
                    model_changed();
                }
                h
            }
        };
        if (*h).events == i64::MAX {
            too_many_rows();
        }
        summary::accumulate(&mut *h, slots(h), model, event, ts);
        Datum::from(h)
    }
}

unsafe fn inverse(fcinfo: FunctionCallInfo, jsonb: bool) -> Datum {
    unsafe {
        let st = fmgr::arg(fcinfo, 0);
        let Some(model) = row_model(fcinfo, jsonb) else {
            return st.value; // the row counted nothing (or raised on the way in)
        };
        let Some(h) = live_state(st) else {
            // Only rows without a model were added: nothing to take out.
            return st.value;
        };
        if !same_model(h, model) {
            model_changed();
        }
        let (event, ts) = fmgr::event_ts_args(fcinfo);
        if summary::retract(&mut *h, slots(h), model, event, ts) {
            Datum::from(h)
        } else {
            // Decayed sums are not reversed: PostgreSQL recomputes the frame instead.
            fmgr::return_null(fcinfo)
        }
    }
}

/// The usual row, scored outside the pg_guard frame: a live state, a model the call site
/// has already parsed that is the same for the whole scan (`model_cache::current`) (and the state points at), an inline event name. This path
/// calls nothing in PostgreSQL and allocates nothing. Why it cannot panic, without relying
/// on debug assertions: the state is used only when it points at this very model, so it
/// was allocated with `model.len()` slots; `index_of` returns positions below that and
/// `accumulate` reads slots with `get_mut`; the one integer addition per row (`events`
/// and a slot's count, each at most `events`) is reached only when `events < i64::MAX`;
/// `row_is_inert` and the decay age use saturating subtraction; the rest is float
/// arithmetic. None sends the row to `trans`, which is guarded.
#[inline(always)]
unsafe fn trans_fast(fcinfo: FunctionCallInfo) -> Option<Datum> {
    unsafe {
        let m = fmgr::arg(fcinfo, MODEL_ARG);
        if m.isnull {
            return None;
        }
        trans_fast_with(fcinfo, model_cache::current::<Model>(fcinfo, m.value)?)
    }
}

/// `trans_fast` once the constant model is known.
#[inline(always)]
unsafe fn trans_fast_with(fcinfo: FunctionCallInfo, model: &Model) -> Option<Datum> {
    unsafe {
        let st = fmgr::arg(fcinfo, 0);
        let h = live_state(st)?;
        let event = fmgr::inline_text_arg(fcinfo, 1)?;
        let ts = fmgr::i64_arg(fcinfo, 2);
        if summary::row_is_inert(model, event, ts) {
            return Some(st.value);
        }
        if (*h).model != model as *const Model as usize || (*h).events == i64::MAX {
            return None;
        }
        summary::accumulate(&mut *h, slots(h), model, event, ts);
        Some(st.value)
    }
}

pg_finfo_v1!(pg_finfo_ces_model_trans);
#[unsafe(no_mangle)]
pub unsafe extern "C-unwind" fn ces_model_trans(fcinfo: FunctionCallInfo) -> Datum {
    unsafe { trans_fast(fcinfo).unwrap_or_else(|| model_trans_guarded(fcinfo)) }
}

#[pg_guard]
#[inline(never)]
unsafe extern "C-unwind" fn model_trans_guarded(fcinfo: FunctionCallInfo) -> Datum {
    unsafe { trans(fcinfo, false) }
}

pg_finfo_v1!(pg_finfo_ces_weights_trans);
#[unsafe(no_mangle)]
pub unsafe extern "C-unwind" fn ces_weights_trans(fcinfo: FunctionCallInfo) -> Datum {
    unsafe { trans_fast(fcinfo).unwrap_or_else(|| weights_trans_guarded(fcinfo)) }
}

#[pg_guard]
#[inline(never)]
unsafe extern "C-unwind" fn weights_trans_guarded(fcinfo: FunctionCallInfo) -> Datum {
    unsafe { trans(fcinfo, true) }
}

pg_finfo_v1!(pg_finfo_ces_model_inv);
#[pg_guard]
#[unsafe(no_mangle)]
pub unsafe extern "C-unwind" fn ces_model_inv(fcinfo: FunctionCallInfo) -> Datum {
    unsafe { inverse(fcinfo, false) }
}

pg_finfo_v1!(pg_finfo_ces_weights_inv);
#[pg_guard]
#[unsafe(no_mangle)]
pub unsafe extern "C-unwind" fn ces_weights_inv(fcinfo: FunctionCallInfo) -> Datum {
    unsafe { inverse(fcinfo, true) }
}

/// Merges `src` into `dst` (both live states), returning the state's new head. Models must
/// match in all but as_of.
unsafe fn merge_into(
    fcinfo: FunctionCallInfo,
    dst: *mut Header,
    src_header: &Header,
    src_slots: &[Slot],
    src_model: &Model,
    what: &str,
) -> *mut Header {
    unsafe {
        let model = model_of(dst);
        if !std::ptr::eq(model, src_model) && model.body != src_model.body {
            raise(
                CesError::invalid(format!("cannot {what} summaries of different models"))
                    .with_hint(format!(
                        "one model is {}, the other {}",
                        model.body, src_model.body
                    )),
            );
        }
        if model.lookback.is_some() && (*dst).timed == 1 && src_header.timed == 1 {
            return absorb_apart(fcinfo, dst, src_header, src_slots, model, what);
        }
        summary::merge(&mut *dst, slots(dst), src_header, src_slots, model).or_raise();
        dst
    }
}

// ---------------------------------------------------------------------------------------
// Rollups under a lookback. The rolled-up as_of is the latest input's, known only at the
// end (in any order, and across parallel workers), and an input wholly before the window
// there must be dropped, not summed. So the state keeps inputs whose counted events do not
// overlap in time apart: a chain (`Header::next`) of parts sorted by time, pairwise
// disjoint, all anchored at the latest as_of seen; inputs that overlap are merged (they
// leave the window together or straddle its start). A part wholly before the window at the
// latest as_of is dropped as soon as that as_of is seen; the final function merges the rest,
// and raises if one straddles the window's start. At most MAX_ROLLUP_RANGES parts are kept:
// beyond, the two closest merge.

unsafe fn parts_of(h: *mut Header) -> Vec<*mut Header> {
    unsafe {
        let mut out = Vec::new();
        let mut p = h;
        while !p.is_null() {
            out.push(p);
            p = (*p).next as *mut Header;
        }
        out
    }
}

unsafe fn link(parts: &[*mut Header]) -> *mut Header {
    unsafe {
        for w in parts.windows(2) {
            (*w[0]).next = w[1] as usize;
        }
        let last = *parts.last().expect("a part");
        (*last).next = 0;
        parts[0]
    }
}

/// The closed time range of a part's counted events.
fn range(h: &Header, model: &Model) -> (i64, i64) {
    (summary::earliest(h, model), h.last_seen)
}

unsafe fn absorb_apart(
    fcinfo: FunctionCallInfo,
    head: *mut Header,
    src: &Header,
    src_slots: &[Slot],
    model: &Model,
    what: &str,
) -> *mut Header {
    unsafe {
        let anchor = (*head).anchor.max(src.anchor);
        let mut parts = parts_of(head);
        parts.retain(|&p| {
            summary::reanchor(&mut *p, slots(p), model, anchor);
            let keep =
                (*p).events != 0 && summary::window_at(&*p, model, anchor) != Window::Outside;
            if !keep && p != head {
                pg_sys::pfree(p.cast());
            }
            keep
        });
        if src.events != 0 && summary::window_at(src, model, anchor) != Window::Outside {
            let src_range = range(src, model);
            let overlaps = |r: (i64, i64)| r.0 <= src_range.1 && src_range.0 <= r.1;
            let part = match parts.iter().position(|&p| overlaps(range(&*p, model))) {
                // merged in place into the first part it overlaps
                Some(i) => parts.remove(i),
                None => {
                    let ctx = fmgr::agg_context(fcinfo, what);
                    let empty = Header {
                        anchor,
                        events: 0,
                        unweighted: 0,
                        last_seen: summary::NO_TS,
                        first_seen: summary::NO_FIRST,
                        next: 0,
                        ..*src
                    };
                    alloc_state(ctx, empty, model, None)
                }
            };
            summary::merge(&mut *part, slots(part), src, src_slots, model).or_raise();
            // parts are sorted and disjoint: one pass merges every one the part now overlaps
            parts.retain(|&p| {
                let (a, b) = (range(&*p, model), range(&*part, model));
                if a.0 <= b.1 && b.0 <= a.1 {
                    summary::merge(&mut *part, slots(part), &*p, slots(p), model).or_raise();
                    if p != head {
                        pg_sys::pfree(p.cast());
                    }
                    false
                } else {
                    true
                }
            });
            let first = range(&*part, model).0;
            let at = parts.partition_point(|&p| range(&*p, model).0 < first);
            parts.insert(at, part);
            while parts.len() > MAX_ROLLUP_RANGES {
                let i = (0..parts.len() - 1)
                    .min_by_key(|&i| {
                        range(&*parts[i + 1], model)
                            .0
                            .saturating_sub(range(&*parts[i], model).1)
                    })
                    .expect("two parts");
                let (a, b) = (parts[i], parts[i + 1]);
                summary::merge(&mut *a, slots(a), &*b, slots(b), model).or_raise();
                parts.remove(i + 1);
            }
        }
        if parts.is_empty() {
            // nothing counted inside the window: the head, emptied, holds the as_of
            *head = Header {
                next: 0,
                ..summary::emptied(&Header { anchor, ..*head })
            };
            slots(head).fill(Slot::default());
            return head;
        }
        link(&parts)
    }
}

/// The state as one summary at its as_of: its parts inside the window merged, those wholly
/// before it dropped; 22023 when one straddles the window's start.
unsafe fn with_resolved<R>(h: *mut Header, what: &str, f: impl FnOnce(&Header, &[Slot]) -> R) -> R {
    unsafe {
        let model = model_of(h);
        if (*h).next == 0 {
            return match summary::check_window(&*h, model, what).or_raise() {
                Window::Outside => f(
                    &summary::emptied(&*h),
                    &vec![Slot::default(); (*h).nslots as usize],
                ),
                _ => f(&*h, slots(h)),
            };
        }
        let mut acc: Option<(Header, Vec<Slot>)> = None;
        for p in parts_of(h) {
            if summary::check_window(&*p, model, what).or_raise() != Window::Inside {
                continue;
            }
            match acc.as_mut() {
                None => acc = Some((Header { next: 0, ..*p }, slots(p).to_vec())),
                Some((ah, asl)) => summary::merge(ah, asl, &*p, slots(p), model).or_raise(),
            }
        }
        match acc {
            Some((ah, asl)) => f(&ah, &asl),
            None => f(
                &Header {
                    next: 0,
                    ..summary::emptied(&*h)
                },
                &vec![Slot::default(); (*h).nslots as usize],
            ),
        }
    }
}

/// Adds a state (`header`, `src_slots`) into the aggregate's state `st`: a copy in the
/// aggregate context when `st` is NULL (the source may live in a shorter-lived context),
/// a merge otherwise.
unsafe fn absorb(
    fcinfo: FunctionCallInfo,
    st: pg_sys::NullableDatum,
    header: &Header,
    src_slots: &[Slot],
    model: &Model,
    what: &str,
) -> Datum {
    unsafe {
        if st.isnull {
            let ctx = fmgr::agg_context(fcinfo, what);
            let copy = Header { next: 0, ..*header };
            return Datum::from(alloc_state(ctx, copy, model, Some(src_slots)));
        }
        let h = st.value.cast_mut_ptr::<Header>();
        Datum::from(merge_into(fcinfo, h, header, src_slots, model, what))
    }
}

pg_finfo_v1!(pg_finfo_ces_state_combine);
#[pg_guard]
#[unsafe(no_mangle)]
pub unsafe extern "C-unwind" fn ces_state_combine(fcinfo: FunctionCallInfo) -> Datum {
    unsafe {
        let a = fmgr::arg(fcinfo, 0);
        let b = fmgr::arg(fcinfo, 1);
        if b.isnull {
            return if a.isnull {
                fmgr::return_null(fcinfo)
            } else {
                a.value
            };
        }
        let mut acc = a;
        for p in parts_of(b.value.cast_mut_ptr::<Header>()) {
            acc = pg_sys::NullableDatum {
                value: absorb(fcinfo, acc, &*p, slots(p), model_of(p), "combine"),
                isnull: false,
            };
        }
        acc.value
    }
}

/// The wire form of a state kept in several parts: a marker no summary starts with, the
/// number of parts, then each part's length and summary bytes.
const PARTS_MARKER: [u8; 4] = [0xff, b'P', 0, 0];

unsafe fn encode_state(h: *mut Header) -> Datum {
    unsafe {
        let body = &model_of(h).body;
        if (*h).next == 0 {
            return Datum::from(fmgr::varlena_from(&summary::encode(&*h, slots(h), body)));
        }
        let parts = parts_of(h);
        let mut out = PARTS_MARKER.to_vec();
        out.extend_from_slice(&(parts.len() as u32).to_le_bytes());
        for p in parts {
            let bytes = summary::encode(&*p, slots(p), body);
            out.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
            out.extend_from_slice(&bytes);
        }
        Datum::from(fmgr::varlena_from(&out))
    }
}

pg_finfo_v1!(pg_finfo_ces_state_serialize);
#[pg_guard]
#[unsafe(no_mangle)]
pub unsafe extern "C-unwind" fn ces_state_serialize(fcinfo: FunctionCallInfo) -> Datum {
    unsafe { encode_state(fmgr::arg(fcinfo, 0).value.cast_mut_ptr::<Header>()) }
}

fn parse_summary_model(text: &str) -> Result<Model, CesError> {
    parse_model(text).map_err(|e| match e.kind {
        ErrorKind::InvalidParameter => CesError {
            message: format!("invalid ces_summary model: {}", e.message),
            ..e.with_kind(ErrorKind::InvalidBinary)
        },
        _ => e,
    })
}

/// A summary datum decoded, with its model parsed (cached per call site by the model text)
/// and checked against it: the stored value, binary input and the parallel wire format.
pub unsafe fn open_summary<'a>(
    fcinfo: FunctionCallInfo,
    d: Datum,
) -> (summary::Decoded<'a>, &'a Model) {
    unsafe {
        let decoded = summary::decode(fmgr::varlena_bytes(d)).or_raise();
        let model: &Model =
            model_cache::parsed_key(fcinfo, decoded.model_body, parse_summary_model);
        if let Err(why) = summary::check_model(&decoded.header, &decoded.slots, model) {
            raise(CesError::binary(format!("invalid ces_summary: {why}")));
        }
        (decoded, model)
    }
}

pg_finfo_v1!(pg_finfo_ces_state_deserialize);
#[pg_guard]
#[unsafe(no_mangle)]
pub unsafe extern "C-unwind" fn ces_state_deserialize(fcinfo: FunctionCallInfo) -> Datum {
    unsafe {
        let datum = fmgr::arg(fcinfo, 0).value;
        let bytes = fmgr::varlena_bytes(datum);
        if !bytes.starts_with(&PARTS_MARKER) {
            let (d, model) = open_summary(fcinfo, datum);
            return Datum::from(alloc_state(
                pg_sys::CurrentMemoryContext,
                d.header,
                model,
                Some(&d.slots),
            ));
        }
        let bad = || raise(CesError::binary("invalid partial rollup state"));
        let mut rest = &bytes[PARTS_MARKER.len()..];
        let mut take = |n: usize| -> &[u8] {
            if rest.len() < n {
                bad();
            }
            let (a, b) = rest.split_at(n);
            rest = b;
            a
        };
        let count = u32::from_le_bytes(take(4).try_into().unwrap()) as usize;
        if count == 0 || count > MAX_ROLLUP_RANGES {
            bad();
        }
        let mut parts = Vec::with_capacity(count);
        for _ in 0..count {
            let len = u32::from_le_bytes(take(4).try_into().unwrap()) as usize;
            let d = summary::decode(take(len)).or_raise();
            let model: &Model = model_cache::parsed_key(fcinfo, d.model_body, parse_summary_model);
            if let Err(why) = summary::check_model(&d.header, &d.slots, model) {
                raise(CesError::binary(format!("invalid ces_summary: {why}")));
            }
            parts.push(alloc_state(
                pg_sys::CurrentMemoryContext,
                d.header,
                model,
                Some(&d.slots),
            ));
        }
        if !rest.is_empty() {
            bad();
        }
        Datum::from(link(&parts))
    }
}

pg_finfo_v1!(pg_finfo_ces_state_score);
#[pg_guard]
#[unsafe(no_mangle)]
pub unsafe extern "C-unwind" fn ces_state_score(fcinfo: FunctionCallInfo) -> Datum {
    unsafe {
        let st = fmgr::arg(fcinfo, 0);
        if st.isnull {
            return fmgr::return_null(fcinfo);
        }
        let Some(h) = live_state(st) else {
            return fmgr::f64_datum(0.0); // rows that counted nothing
        };
        with_resolved(h, "scoring", |_, s| summary::score(model_of(h), s))
            .into_datum()
            .expect("float8")
    }
}

pg_finfo_v1!(pg_finfo_ces_state_summary);
#[pg_guard]
#[unsafe(no_mangle)]
pub unsafe extern "C-unwind" fn ces_state_summary(fcinfo: FunctionCallInfo) -> Datum {
    unsafe {
        // No summary without a model: NULL also for rows that counted nothing before any
        // model was known (a window's `NOTHING_COUNTED`).
        let Some(h) = live_state(fmgr::arg(fcinfo, 0)) else {
            return fmgr::return_null(fcinfo);
        };
        // A rollup re-anchors to its latest as_of, known only now (see `absorb_apart`).
        with_resolved(h, "rolling up", |hh, s| {
            Datum::from(fmgr::varlena_from(&summary::encode(
                hh,
                s,
                &model_of(h).body,
            )))
        })
    }
}

pg_finfo_v1!(pg_finfo_ces_rollup_trans);
/// `ces_rollup(ces_summary)`: merges summaries of one model, re-anchored to the latest as_of.
#[pg_guard]
#[unsafe(no_mangle)]
pub unsafe extern "C-unwind" fn ces_rollup_trans(fcinfo: FunctionCallInfo) -> Datum {
    unsafe {
        let st = fmgr::arg(fcinfo, 0);
        let s = fmgr::arg(fcinfo, 1);
        if s.isnull {
            return if st.isnull {
                fmgr::return_null(fcinfo)
            } else {
                st.value
            };
        }
        let (d, model) = open_summary(fcinfo, s.value);
        absorb(fcinfo, st, &d.header, &d.slots, model, "roll up")
    }
}

// ---------------------------------------------------------------------------------------
// `ces_score(event, ts, ces_model)`: a model whose score is a plain sum of per-row points
// (no caps, a fixed as_of: `summary::scores_by_row`) given as a constant keeps its running
// sum as the state itself, a float8's bits in the `internal` datum (by value, 8 bytes), so
// a row touches no memory outside the hash entry. Any other model uses the palloc'd state
// of `ces_agg`. The two are told apart by the datum: palloc'd pointers are non-zero and
// below 2^52, which as float bits are only +0.0 or positive subnormals; running sums are
// flushed to zero below f64::MIN_POSITIVE (an |x| < 2.2e-308 score prints as 0).
// The choice is made per call site from the constant model, so every worker of a parallel
// plan makes the same one.

/// The model of `ces_score`'s call site and whether it scores by row.
pub struct ScoreModel {
    model: Model,
    anchor: Option<i64>,
    by_row: bool,
    /// No caps: with an as_of argument (`ces_score(event, ts, model, as_of)`) each row's
    /// points depend only on the row and its as_of, so the model scores by row.
    no_caps: bool,
    /// A lookback or a half-life: a row whose as_of argument is NULL is scored at now().
    floating: bool,
    /// The model at each as_of argument seen, for the models that keep a palloc'd state.
    at: std::cell::RefCell<std::collections::HashMap<Option<i64>, Box<Model>>>,
    /// Estimated bytes of `at` (each entry a whole copy of the model), against
    /// `MAX_CACHED_BYTES`.
    at_cost: std::cell::Cell<usize>,
}

fn parse_score_model(text: &str) -> Result<ScoreModel, CesError> {
    let model = parse_model(text)?;
    Ok(ScoreModel {
        anchor: summary::row_anchor(&model),
        by_row: summary::scores_by_row(&model),
        no_caps: model.rules.iter().all(|r| r.cap.is_none()),
        floating: model.lookback.is_some() || model.has_decay(),
        at: Default::default(),
        at_cost: Default::default(),
        model,
    })
}

/// `ces_score(event, ts, model, as_of)`: the as_of of each row comes as a fifth argument.
const AS_OF_ARG: usize = 4;

#[inline(always)]
unsafe fn has_as_of_arg(fcinfo: FunctionCallInfo) -> bool {
    unsafe { (*fcinfo).nargs as usize > AS_OF_ARG }
}

impl ScoreModel {
    /// The anchor of a row scored by row at as_of argument `as_of`: `ces_model_at(model,
    /// as_of)`'s `row_anchor`.
    fn anchor_at(&self, as_of: Option<i64>) -> Option<i64> {
        as_of.or_else(|| self.floating.then(time::now))
    }

    /// The model with its as_of replaced, as `ces_model_at` would make it (kept, since a
    /// state points at it).
    fn at(&self, as_of: Option<i64>) -> &Model {
        let mut at = self.at.borrow_mut();
        if !at.contains_key(&as_of) {
            let cost = ces_core::limits::cached_cost(self.model.body.len());
            if at.len() >= ces_core::limits::MAX_CACHED_VALUES
                || self.at_cost.get().saturating_add(cost) > ces_core::limits::MAX_CACHED_BYTES
            {
                raise(
                    CesError::limit(format!(
                        "more than {} distinct as_of values in one ces_score call with a capped model (limits: {} values, {} MiB)",
                        at.len(),
                        ces_core::limits::MAX_CACHED_VALUES,
                        ces_core::limits::MAX_CACHED_BYTES >> 20
                    ))
                    .with_hint("each as_of keeps a copy of the model; score fewer groups per query, or use a model without caps"),
                );
            }
            self.at_cost.set(self.at_cost.get() + cost);
            let model = Model {
                as_of,
                ..self.model.clone()
            };
            at.insert(as_of, Box::new(model));
        }
        let m: *const Model = &**at.get(&as_of).expect("inserted");
        // Boxed and never removed while the call site lives.
        unsafe { &*m }
    }
}

#[inline(always)]
fn is_sum(d: Datum) -> bool {
    let bits = d.value() as u64;
    bits == 0 || bits >> 52 != 0
}

#[inline(always)]
fn sum_datum(x: f64) -> Datum {
    fmgr::f64_datum(if x.abs() < f64::MIN_POSITIVE { 0.0 } else { x })
}

/// The running sum plus the points of the row (`event`, `ts`) at `anchor`.
#[inline(always)]
unsafe fn sum_row(
    fcinfo: FunctionCallInfo,
    model: &Model,
    anchor: Option<i64>,
    (event, ts): (Option<&[u8]>, Option<i64>),
) -> Datum {
    unsafe {
        let st = fmgr::arg(fcinfo, 0);
        let sum = if st.isnull {
            0.0
        } else {
            fmgr::f64_of(st.value)
        };
        let points = event.and_then(|e| summary::row_points(model, anchor, e, ts));
        sum_datum(sum + points.unwrap_or(0.0))
    }
}

pg_finfo_v1!(pg_finfo_ces_score_model_trans);
/// The usual row runs outside the pg_guard frame (see `trans_fast`); it reads only the
/// call site's cache and the row, and calls nothing in PostgreSQL. `sum_row` cannot panic
/// either: `row_points` indexes with `get`, and the sum is float arithmetic.
/// Also the transition of `ces_score(event, ts, model, as_of)`, which has a fifth argument.
#[unsafe(no_mangle)]
pub unsafe extern "C-unwind" fn ces_score_model_trans(fcinfo: FunctionCallInfo) -> Datum {
    unsafe {
        let m = fmgr::arg(fcinfo, MODEL_ARG);
        if !m.isnull {
            if let Some(sm) = model_cache::current::<ScoreModel>(fcinfo, m.value) {
                let fast = if has_as_of_arg(fcinfo) {
                    // NULL as_of (now()) and capped models take the guarded path.
                    match (sm.no_caps, fmgr::i64_arg(fcinfo, AS_OF_ARG)) {
                        (true, Some(as_of)) => fmgr::inline_text_arg(fcinfo, 1).map(|e| {
                            sum_row(
                                fcinfo,
                                &sm.model,
                                Some(as_of),
                                (e, fmgr::i64_arg(fcinfo, 2)),
                            )
                        }),
                        _ => None,
                    }
                } else if sm.by_row {
                    fmgr::inline_text_arg(fcinfo, 1).map(|e| {
                        sum_row(fcinfo, &sm.model, sm.anchor, (e, fmgr::i64_arg(fcinfo, 2)))
                    })
                } else {
                    trans_fast_with(fcinfo, &sm.model)
                };
                if let Some(d) = fast {
                    return d;
                }
            }
        }
        score_model_trans_guarded(fcinfo)
    }
}

#[pg_guard]
#[inline(never)]
unsafe extern "C-unwind" fn score_model_trans_guarded(fcinfo: FunctionCallInfo) -> Datum {
    unsafe {
        let m = fmgr::arg(fcinfo, MODEL_ARG);
        if m.isnull {
            return null_model(fcinfo, false, true);
        }
        let sm: &ScoreModel =
            model_cache::parsed_stable(fcinfo, MODEL_ARG, m.value, Source::Text, parse_score_model);
        // By row only when every row of the scan has this model (so every group, and every
        // worker of a parallel plan, keeps the same kind of state).
        let whole_scan = model_cache::current::<ScoreModel>(fcinfo, m.value).is_some();
        let (by_row, model, anchor) = if has_as_of_arg(fcinfo) {
            let as_of = fmgr::i64_arg(fcinfo, AS_OF_ARG);
            if sm.no_caps && whole_scan {
                (true, &sm.model, sm.anchor_at(as_of))
            } else {
                (false, sm.at(as_of), None)
            }
        } else {
            (sm.by_row && whole_scan, &sm.model, sm.anchor)
        };
        // A state of the other kind can only come from another model in the same group.
        let st = fmgr::arg(fcinfo, 0);
        if !st.isnull && st.value.value() != NOTHING_COUNTED && is_sum(st.value) != by_row {
            model_changed();
        }
        if by_row {
            sum_row(fcinfo, model, anchor, fmgr::event_ts_args(fcinfo))
        } else {
            trans_with(fcinfo, model)
        }
    }
}

#[cold]
fn mixed_states() -> ! {
    pgrx::error!("ces_score: partial states of two kinds cannot be combined")
}

pg_finfo_v1!(pg_finfo_ces_score_model_combine);
#[pg_guard]
#[unsafe(no_mangle)]
pub unsafe extern "C-unwind" fn ces_score_model_combine(fcinfo: FunctionCallInfo) -> Datum {
    unsafe {
        // NOTHING_COUNTED (rows without a model) adds nothing to either kind of state: it
        // is read as NULL, and is the result only when both sides are nothing.
        let nothing = nothing_as_null(fcinfo, 0) | nothing_as_null(fcinfo, 1);
        let a = fmgr::arg(fcinfo, 0);
        let b = fmgr::arg(fcinfo, 1);
        if nothing && a.isnull && b.isnull {
            return Datum::from(NOTHING_COUNTED);
        }
        let sum_a = !a.isnull && is_sum(a.value);
        let sum_b = !b.isnull && is_sum(b.value);
        if !sum_a && !sum_b {
            return ces_state_combine(fcinfo); // palloc'd states, or NULLs
        }
        if (!a.isnull && !sum_a) || (!b.isnull && !sum_b) {
            mixed_states();
        }
        match (a.isnull, b.isnull) {
            (true, _) => b.value,
            (_, true) => a.value,
            _ => sum_datum(fmgr::f64_of(a.value) + fmgr::f64_of(b.value)),
        }
    }
}

pg_finfo_v1!(pg_finfo_ces_score_model_serialize);
/// A running sum travels as its 8 bytes; a palloc'd state as its summary (never 8 bytes).
#[pg_guard]
#[unsafe(no_mangle)]
pub unsafe extern "C-unwind" fn ces_score_model_serialize(fcinfo: FunctionCallInfo) -> Datum {
    unsafe {
        let st = fmgr::arg(fcinfo, 0).value;
        if is_sum(st) {
            Datum::from(fmgr::varlena_from(&fmgr::f64_of(st).to_le_bytes()))
        } else {
            ces_state_serialize(fcinfo)
        }
    }
}

pg_finfo_v1!(pg_finfo_ces_score_model_deserialize);
#[pg_guard]
#[unsafe(no_mangle)]
pub unsafe extern "C-unwind" fn ces_score_model_deserialize(fcinfo: FunctionCallInfo) -> Datum {
    unsafe {
        let bytes = fmgr::varlena_bytes(fmgr::arg(fcinfo, 0).value);
        match <[u8; 8]>::try_from(bytes) {
            Ok(b) => sum_datum(f64::from_le_bytes(b)),
            Err(_) => ces_state_deserialize(fcinfo),
        }
    }
}

pg_finfo_v1!(pg_finfo_ces_score_model_final);
#[pg_guard]
#[unsafe(no_mangle)]
pub unsafe extern "C-unwind" fn ces_score_model_final(fcinfo: FunctionCallInfo) -> Datum {
    unsafe {
        let st = fmgr::arg(fcinfo, 0);
        if !st.isnull && is_sum(st.value) {
            return fmgr::f64_of(st.value).into_datum().expect("float8");
        }
        ces_state_score(fcinfo)
    }
}
