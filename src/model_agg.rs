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
use ces_core::summary::{self, Header, Slot, HEADER_BYTES, SLOT_BYTES};
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
                Source::Jsonb,
                parse_weights_model,
            )
        } else {
            model_cache::parsed_stable(fcinfo, MODEL_ARG, m.value, Source::Text, parse_model)
        })
    }
}

#[inline(always)]
unsafe fn row_event_ts<'a>(fcinfo: FunctionCallInfo) -> (Option<&'a [u8]>, Option<i64>) {
    unsafe {
        let e = fmgr::arg(fcinfo, 1);
        let t = fmgr::arg(fcinfo, 2);
        (
            (!e.isnull).then(|| fmgr::varlena_bytes(e.value)),
            (!t.isnull).then(|| t.value.value() as i64),
        )
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
        let st = fmgr::arg(fcinfo, 0);
        let (event, ts) = row_event_ts(fcinfo);
        let Some(model) = row_model(fcinfo, jsonb) else {
            if let Some(e) = event {
                raise(CesError::invalid(format!(
                    "model is NULL for event \"{}\"",
                    String::from_utf8_lossy(e)
                )));
            }
            return if st.isnull {
                fmgr::return_null(fcinfo)
            } else {
                st.value
            };
        };
        if !st.isnull && summary::row_is_inert(model, event, ts) {
            return st.value; // no need to touch the (cache-cold) state
        }
        let h = if st.isnull {
            let ctx = fmgr::agg_context(fcinfo, "ces_score");
            alloc_state(ctx, Header::new(model, time::now()), model, None)
        } else {
            let h = st.value.cast_mut_ptr::<Header>();
            if !same_model(h, model) {
                model_changed();
            }
            h
        };
        summary::accumulate(&mut *h, slots(h), model, event, ts);
        Datum::from(h)
    }
}

unsafe fn inverse(fcinfo: FunctionCallInfo, jsonb: bool) -> Datum {
    unsafe {
        let h = fmgr::arg(fcinfo, 0).value.cast_mut_ptr::<Header>();
        let (event, ts) = row_event_ts(fcinfo);
        let Some(model) = row_model(fcinfo, jsonb) else {
            return Datum::from(h);
        };
        if !same_model(h, model) {
            model_changed();
        }
        if summary::retract(&mut *h, slots(h), model, event, ts) {
            Datum::from(h)
        } else {
            // Decayed sums are not reversed: PostgreSQL recomputes the frame instead.
            fmgr::return_null(fcinfo)
        }
    }
}

/// The usual row, scored outside the pg_guard frame: a live state, a constant model the
/// call site has already parsed (and the state points at), an inline event name. This path
/// calls nothing in PostgreSQL, allocates nothing and cannot panic (slots are indexed by
/// positions of the model the state was sized for). None sends the row to `trans`.
#[inline(always)]
unsafe fn trans_fast(fcinfo: FunctionCallInfo) -> Option<Datum> {
    unsafe {
        let st = fmgr::arg(fcinfo, 0);
        if st.isnull || fmgr::arg(fcinfo, MODEL_ARG).isnull {
            return None;
        }
        let model = model_cache::constant::<Model>(fcinfo)?;
        let e = fmgr::arg(fcinfo, 1);
        let event = if e.isnull {
            None
        } else {
            Some(fmgr::varlena_inline(e.value)?)
        };
        let t = fmgr::arg(fcinfo, 2);
        let ts = (!t.isnull).then(|| t.value.value() as i64);
        if summary::row_is_inert(model, event, ts) {
            return Some(st.value);
        }
        let h = st.value.cast_mut_ptr::<Header>();
        if (*h).model != model as *const Model as usize {
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

/// Merges `src` into `dst` (both live states). Models must match in all but as_of.
unsafe fn merge_into(
    dst: *mut Header,
    src_header: &Header,
    src_slots: &[Slot],
    src_model: &Model,
    what: &str,
) {
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
        summary::merge(&mut *dst, slots(dst), src_header, src_slots, model).or_raise();
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
            return Datum::from(alloc_state(ctx, *header, model, Some(src_slots)));
        }
        let h = st.value.cast_mut_ptr::<Header>();
        merge_into(h, header, src_slots, model, what);
        Datum::from(h)
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
        let hb = b.value.cast_mut_ptr::<Header>();
        absorb(fcinfo, a, &*hb, slots(hb), model_of(hb), "combine")
    }
}

unsafe fn encode_state(h: *mut Header) -> Datum {
    unsafe {
        Datum::from(fmgr::varlena_from(&summary::encode(
            &*h,
            slots(h),
            &model_of(h).body,
        )))
    }
}

pg_finfo_v1!(pg_finfo_ces_state_serialize);
#[pg_guard]
#[unsafe(no_mangle)]
pub unsafe extern "C-unwind" fn ces_state_serialize(fcinfo: FunctionCallInfo) -> Datum {
    unsafe { encode_state(fmgr::arg(fcinfo, 0).value.cast_mut_ptr::<Header>()) }
}

/// A summary datum decoded, with its model parsed (cached per call site by the model text).
pub unsafe fn open_summary<'a>(
    fcinfo: FunctionCallInfo,
    d: Datum,
) -> (summary::Decoded<'a>, &'a Model) {
    unsafe {
        let decoded = summary::decode(fmgr::varlena_bytes(d)).or_raise();
        let model: &Model = model_cache::parsed_key(fcinfo, decoded.model_body, parse_model);
        if decoded.slots.len() != model.len() {
            raise(CesError::invalid(format!(
                "invalid ces_summary: {} slots for a model of {} event types",
                decoded.slots.len(),
                model.len()
            )));
        }
        (decoded, model)
    }
}

pg_finfo_v1!(pg_finfo_ces_state_deserialize);
#[pg_guard]
#[unsafe(no_mangle)]
pub unsafe extern "C-unwind" fn ces_state_deserialize(fcinfo: FunctionCallInfo) -> Datum {
    unsafe {
        let (d, model) = open_summary(fcinfo, fmgr::arg(fcinfo, 0).value);
        Datum::from(alloc_state(
            pg_sys::CurrentMemoryContext,
            d.header,
            model,
            Some(&d.slots),
        ))
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
        let h = st.value.cast_mut_ptr::<Header>();
        summary::score(model_of(h), slots(h))
            .into_datum()
            .expect("float8")
    }
}

pg_finfo_v1!(pg_finfo_ces_state_summary);
#[pg_guard]
#[unsafe(no_mangle)]
pub unsafe extern "C-unwind" fn ces_state_summary(fcinfo: FunctionCallInfo) -> Datum {
    unsafe {
        let st = fmgr::arg(fcinfo, 0);
        if st.isnull {
            return fmgr::return_null(fcinfo);
        }
        encode_state(st.value.cast_mut_ptr::<Header>())
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
