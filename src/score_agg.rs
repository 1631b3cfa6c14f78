//! The `ces_score(event text, ts timestamptz, weights jsonb)` aggregate.
//! Support functions are raw V1 C functions (see `fmgr`); the CREATE AGGREGATE is in
//! `sql/ces_score.sql`. The per-group state is a 16-byte `ScoreState` palloc'd in the
//! aggregate context, so PostgreSQL's memory accounting sees it.

use crate::error::raise;
use crate::fmgr::{self, pg_finfo_v1};
use crate::model_cache::{self, Source};
use ces_core::state::SERIALIZED_LEN;
use ces_core::{CesError, ScoreState, Weights};
use pgrx::pg_sys::{self, Datum, FunctionCallInfo};
use pgrx::{pg_guard, IntoDatum};

const WEIGHTS_ARG: usize = 3;

unsafe fn new_state(fcinfo: FunctionCallInfo, who: &str) -> *mut ScoreState {
    unsafe {
        let ctx = fmgr::agg_context(fcinfo, who);
        pg_sys::MemoryContextAllocZero(ctx, std::mem::size_of::<ScoreState>()) as *mut ScoreState
    }
}

pg_finfo_v1!(pg_finfo_ces_score_trans);
#[pg_guard]
#[unsafe(no_mangle)]
pub unsafe extern "C-unwind" fn ces_score_trans(fcinfo: FunctionCallInfo) -> Datum {
    unsafe {
        let st = fmgr::arg(fcinfo, 0);
        let state = if st.isnull {
            new_state(fcinfo, "ces_score_trans")
        } else {
            st.value.cast_mut_ptr::<ScoreState>()
        };
        (*state).rows += 1;
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
                (*state).add(x);
            }
        }
        Datum::from(state)
    }
}

pg_finfo_v1!(pg_finfo_ces_score_combine);
#[pg_guard]
#[unsafe(no_mangle)]
pub unsafe extern "C-unwind" fn ces_score_combine(fcinfo: FunctionCallInfo) -> Datum {
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
        let other = &*b.value.cast_mut_ptr::<ScoreState>();
        if a.isnull {
            // The second state may live in a short-lived context: copy it into ours.
            let s = new_state(fcinfo, "ces_score_combine");
            *s = *other;
            return Datum::from(s);
        }
        let s = a.value.cast_mut_ptr::<ScoreState>();
        (*s).merge(other);
        Datum::from(s)
    }
}

pg_finfo_v1!(pg_finfo_ces_score_serialize);
#[pg_guard]
#[unsafe(no_mangle)]
pub unsafe extern "C-unwind" fn ces_score_serialize(fcinfo: FunctionCallInfo) -> Datum {
    unsafe {
        let s = &*fmgr::arg(fcinfo, 0).value.cast_mut_ptr::<ScoreState>();
        Datum::from(fmgr::varlena_from(&s.to_bytes()))
    }
}

pg_finfo_v1!(pg_finfo_ces_score_deserialize);
#[pg_guard]
#[unsafe(no_mangle)]
pub unsafe extern "C-unwind" fn ces_score_deserialize(fcinfo: FunctionCallInfo) -> Datum {
    unsafe {
        let bytes = fmgr::varlena_bytes(fmgr::arg(fcinfo, 0).value);
        let Some(state) = ScoreState::from_bytes(bytes) else {
            raise(CesError::invalid(format!(
                "ces_score state must be {SERIALIZED_LEN} bytes, got {}",
                bytes.len()
            )));
        };
        let s = pg_sys::palloc(std::mem::size_of::<ScoreState>()) as *mut ScoreState;
        *s = state;
        Datum::from(s)
    }
}

pg_finfo_v1!(pg_finfo_ces_score_final);
#[pg_guard]
#[unsafe(no_mangle)]
pub unsafe extern "C-unwind" fn ces_score_final(fcinfo: FunctionCallInfo) -> Datum {
    unsafe {
        let st = fmgr::arg(fcinfo, 0);
        if st.isnull {
            return fmgr::return_null(fcinfo);
        }
        let s = &*st.value.cast_mut_ptr::<ScoreState>();
        s.sum.into_datum().expect("float8 is never NULL")
    }
}
