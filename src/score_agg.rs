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
#[pg_guard]
#[unsafe(no_mangle)]
pub unsafe extern "C-unwind" fn ces_score_trans(fcinfo: FunctionCallInfo) -> Datum {
    unsafe {
        let st = fmgr::arg(fcinfo, 0);
        let mut sum = if st.isnull {
            0.0
        } else {
            f64::from_bits(st.value.value() as u64)
        };
        let event = fmgr::arg(fcinfo, 1);
        if !event.isnull {
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
            if let Some(x) = weights.get(event) {
                sum += x;
            }
        }
        Datum::from(sum.to_bits() as usize)
    }
}
