//! The row transitions of the model aggregates, their moving-window inverses, and the
//! merge of two states.

use super::*;

#[inline(always)]
pub(super) unsafe fn trans(fcinfo: FunctionCallInfo, jsonb: bool) -> Datum {
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
pub(super) const NOTHING_COUNTED: usize = 0;

/// A live palloc'd state, or None for NULL and for `NOTHING_COUNTED`.
#[inline(always)]
pub(super) fn live_state(st: pg_sys::NullableDatum) -> Option<*mut Header> {
    (!st.isnull && st.value.value() != NOTHING_COUNTED).then(|| st.value.cast_mut_ptr::<Header>())
}

/// Marks argument `i` NULL when it is `NOTHING_COUNTED`; whether it was.
pub(super) unsafe fn nothing_as_null(fcinfo: FunctionCallInfo, i: usize) -> bool {
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
pub(super) unsafe fn in_window(fcinfo: FunctionCallInfo) -> bool {
    unsafe {
        pg_sys::AggCheckCallContext(fcinfo, std::ptr::null_mut()) as u32
            == pg_sys::AGG_CONTEXT_WINDOW
    }
}

/// A row whose model is NULL: an error when its event is not NULL (README, "NULLs"), else
/// it counts nothing. A NULL state then becomes `NOTHING_COUNTED` when `nothing_counted`.
pub(super) unsafe fn null_model(
    fcinfo: FunctionCallInfo,
    jsonb: bool,
    nothing_counted: bool,
) -> Datum {
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
pub(super) fn too_many_rows() -> ! {
    raise(CesError::out_of_range(
        "ces_score: more than 9223372036854775807 events in one group",
    ))
}

/// Adds this row to the palloc'd state (made on the first row) of `model`.
#[inline(always)]
pub(super) unsafe fn trans_with(fcinfo: FunctionCallInfo, model: &Model) -> Datum {
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

pub(super) unsafe fn inverse(fcinfo: FunctionCallInfo, jsonb: bool) -> Datum {
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
pub(super) unsafe fn trans_fast(fcinfo: FunctionCallInfo) -> Option<Datum> {
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
pub(super) unsafe fn trans_fast_with(fcinfo: FunctionCallInfo, model: &Model) -> Option<Datum> {
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

#[pg_guard]
#[inline(never)]
unsafe extern "C-unwind" fn model_trans_guarded(fcinfo: FunctionCallInfo) -> Datum {
    unsafe { trans(fcinfo, false) }
}

#[pg_guard]
#[inline(never)]
unsafe extern "C-unwind" fn weights_trans_guarded(fcinfo: FunctionCallInfo) -> Datum {
    unsafe { trans(fcinfo, true) }
}

/// Merges `src` into `dst` (both live states), returning the state's new head. Models must
/// match in all but as_of.
pub(super) unsafe fn merge_into(
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

v1! {
    "ces_model_trans(internal, text, timestamp with time zone, ces_model) RETURNS internal IMMUTABLE PARALLEL SAFE"
    [raw] fn ces_model_trans(fcinfo) {
        trans_fast(fcinfo).unwrap_or_else(|| model_trans_guarded(fcinfo))
    }

    "ces_weights_trans(internal, text, timestamp with time zone, jsonb) RETURNS internal IMMUTABLE PARALLEL SAFE"
    [raw] fn ces_weights_trans(fcinfo) {
        trans_fast(fcinfo).unwrap_or_else(|| weights_trans_guarded(fcinfo))
    }

    "ces_model_inv(internal, text, timestamp with time zone, ces_model) RETURNS internal IMMUTABLE PARALLEL SAFE"
    fn ces_model_inv(fcinfo) {
        inverse(fcinfo, false)
    }

    "ces_weights_inv(internal, text, timestamp with time zone, jsonb) RETURNS internal IMMUTABLE PARALLEL SAFE"
    fn ces_weights_inv(fcinfo) {
        inverse(fcinfo, true)
    }
}
