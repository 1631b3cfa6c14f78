//! The `ces_score(event text, ts timestamptz, weights jsonb)` aggregate. Its state is the
//! running sum itself, a by-value float8 kept inside the hash-table entry: no pointer to
//! chase per row, no serialisation for parallel plans (float8pl combines), no final function.
//! The support function is a raw V1 C function (see `fmgr`); the CREATE AGGREGATE is in
//! `sql/ces_score.sql`.

use crate::error::raise;
use crate::fmgr::{self, pg_finfo_v1};
use crate::model_cache::{self, Source};
use ces_core::{CesError, Weights};
use pgrx::pg_guard;
use pgrx::pg_sys::{Datum, FunctionCallInfo};

const WEIGHTS_ARG: usize = 3;

pg_finfo_v1!(pg_finfo_ces_score_trans);
/// (float8 state, event, ts, weights) -> float8. Not strict: the first row turns the NULL
/// state into 0, so rows without a weighted event score 0 and no rows score NULL.
///
/// The usual row (constant weights already parsed, an inline event name) is scored here,
/// outside the pg_guard frame: that path calls nothing in PostgreSQL, allocates nothing and
/// cannot panic (its only indexing is by positions the weights table was built from).
/// Everything else goes through `score_trans_guarded`.
#[unsafe(no_mangle)]
pub unsafe extern "C-unwind" fn ces_score_trans(fcinfo: FunctionCallInfo) -> Datum {
    unsafe {
        let event = fmgr::arg(fcinfo, 1);
        if !event.isnull && !fmgr::arg(fcinfo, WEIGHTS_ARG).isnull {
            if let (Some(weights), Some(name)) = (
                model_cache::constant::<Weights>(fcinfo),
                fmgr::varlena_inline(event.value),
            ) {
                return add(fcinfo, weights.get(name));
            }
        }
        score_trans_guarded(fcinfo)
    }
}

/// The running sum plus `points`.
#[inline(always)]
unsafe fn add(fcinfo: FunctionCallInfo, points: Option<f64>) -> Datum {
    unsafe {
        let st = fmgr::arg(fcinfo, 0);
        let sum = if st.isnull {
            0.0
        } else {
            fmgr::f64_of(st.value)
        };
        fmgr::f64_datum(sum + points.unwrap_or(0.0))
    }
}

#[pg_guard]
#[inline(never)]
unsafe extern "C-unwind" fn score_trans_guarded(fcinfo: FunctionCallInfo) -> Datum {
    unsafe {
        let event = fmgr::arg(fcinfo, 1);
        if event.isnull {
            return add(fcinfo, None);
        }
        let w = fmgr::arg(fcinfo, WEIGHTS_ARG);
        let event = fmgr::varlena_bytes(event.value);
        if w.isnull {
            raise(CesError::invalid(format!(
                "weights are NULL for event \"{}\"",
                String::from_utf8_lossy(event)
            )));
        }
        let weights = model_cache::parsed(
            fcinfo,
            WEIGHTS_ARG,
            w.value,
            Source::Jsonb,
            Weights::parse_json,
        );
        add(fcinfo, weights.get(event))
    }
}
