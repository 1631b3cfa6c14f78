//! `ces_rollup_dist(ces_summary)`: `ces_rollup` with a `ces_summary` state instead of
//! `internal`. Citus splits only aggregates whose state is a real type, so this one runs as
//! worker partials (sent as the summary's text form) when grouped by a non-distribution column.
//! One function, `ces_summary_merge`, is both its state function and its combine function.

use crate::error::{raise, OrRaise};
use crate::fmgr;
use crate::model_agg::open_summary;
use crate::v1::v1;
use ces_core::summary::{self, Slot, Window};
use ces_core::CesError;
use pgrx::pg_sys::{self, Datum};

v1! {
    /// Two summaries of one model merged (re-anchored to the later as_of). Called by an
    /// aggregate, the state (the first argument, owned by the aggregate) is overwritten in place
    /// when the merged summary has the same size, which saves two copies per row.
    "ces_summary_merge(ces_summary, ces_summary) RETURNS ces_summary IMMUTABLE STRICT PARALLEL SAFE"
    fn ces_summary_merge(fcinfo, state, other) {
        let state = state.value;
        let (mut a, _) = open_summary(fcinfo, state);
        let (mut b, model) = open_summary(fcinfo, other.value);
        if a.model_body != b.model_body {
            raise(
                CesError::invalid("cannot roll up summaries of different models").with_hint(
                    format!(
                        "one model is {}, the other {}",
                        String::from_utf8_lossy(a.model_body),
                        model.body
                    ),
                ),
            );
        }
        // Under a lookback, the merge keeps ces_rollup's contract (exact, or an error): an
        // input wholly before the window at the later as_of counts nothing there and is
        // skipped; whatever remains must lie wholly inside that window, or the merge raises.
        let anchor = a.header.anchor.max(b.header.anchor);
        if summary::window_at(&a.header, model, anchor) == Window::Outside {
            a.header = summary::emptied(&a.header);
            a.slots.iter_mut().for_each(|s| *s = Slot::default());
        }
        if summary::window_at(&b.header, model, anchor) == Window::Outside {
            b.header = summary::emptied(&b.header);
            b.slots.iter_mut().for_each(|s| *s = Slot::default());
        }
        summary::merge(&mut a.header, &mut a.slots, &b.header, &b.slots, model).or_raise();
        summary::check_window(&a.header, model, "rolling up").or_raise();
        let bytes = summary::encode(&a.header, &a.slots, &model.body);
        let p = state.cast_mut_ptr::<pg_sys::varlena>();
        if pg_sys::AggCheckCallContext(fcinfo, std::ptr::null_mut())
            == pg_sys::AGG_CONTEXT_AGGREGATE as i32
            && pgrx::varlena::varatt_is_4b_u(p)
            && pgrx::varlena::varsize_4b(p) == pg_sys::VARHDRSZ + bytes.len()
        {
            std::ptr::copy_nonoverlapping(
                bytes.as_ptr(),
                pgrx::varlena::vardata_4b(p) as *mut u8,
                bytes.len(),
            );
            return state;
        }
        Datum::from(fmgr::varlena_from(&bytes))
    }
}
