//! The `ces_score(event text, ts timestamptz, weights jsonb)` aggregate. Its state is the
//! running sum itself, a by-value float8 kept inside the hash-table entry: no pointer to
//! chase per row, no serialisation for parallel plans (float8pl combines), no final function.
//! The support function is a raw V1 C function (see `fmgr`); the CREATE AGGREGATE is in
//! `sql/ces_score.sql`.

use crate::error::raise;
use crate::fmgr;
use crate::model_cache::{self, Retain, Source};
use crate::v1::{guarded, v1};
use ces_core::{CesError, Weights};
use pgrx::pg_sys::{Datum, FunctionCallInfo};

const WEIGHTS_ARG: usize = 3;

v1! {
    /// (float8 state, event, ts, weights) -> float8. Not strict: the first row turns the NULL
    /// state into 0, so rows that count nothing score 0 and no rows score NULL. A row with a
    /// NULL event counts nothing; a non-NULL event with NULL weights is an error (README,
    /// "NULLs"). Weights have no time rules, so `ts` is not read.
    ///
    /// The usual row (constant weights already parsed, an inline event name) is scored
    /// here, outside the pg_guard frame. Why it cannot panic, without relying on debug
    /// assertions: `fmgr::arg` and `varlena_inline` are pointer reads with saturating length
    /// arithmetic; `constant` only reads the call site's cache (null checks, `first()`);
    /// `Weights::get` indexes with `get` and checks the candidate name by slice equality; the
    /// sum is a float addition (no overflow trap). No allocation, no call into PostgreSQL.
    /// Everything else goes through `score_trans_guarded`.
    "ces_score_trans(double precision, text, timestamp with time zone, jsonb) RETURNS double precision IMMUTABLE PARALLEL SAFE"
    [raw] fn ces_score_trans(fcinfo, _sum, event, ts, weights) {
        if !event.isnull && !ts.isnull && !weights.isnull {
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
    unsafe { fmgr::f64_datum(fmgr::running_sum(fcinfo) + points.unwrap_or(0.0)) }
}

guarded! {
    fn score_trans_guarded(fcinfo, _sum, event, _ts, w) {
        if event.isnull {
            return add(fcinfo, None);
        }
        let event = fmgr::varlena_bytes(event.value);
        if w.isnull {
            raise(CesError::invalid(format!(
                "weights are NULL for event \"{}\"",
                fmgr::display_bytes(event)
            )));
        }
        let weights = model_cache::parsed(
            fcinfo,
            WEIGHTS_ARG,
            w.value,
            Source::Jsonb("weights"),
            Weights::parse_json,
            Retain::Recent,
        );
        add(fcinfo, weights.get(event))
    }
}
