//! Backtesting aggregates: `ces_auc(score, outcome)` and `ces_lift(score, outcome [, bands])`.
//! The AUC state keeps every score, split by outcome, in palloc'd buffers that grow in the
//! aggregate context (so PostgreSQL accounts for them); the final function sorts them.

use crate::bands::{bands_arg, default_bands};
use crate::error::{raise, OrRaise};
use crate::fmgr;
use crate::model_cache::Retain;
use crate::v1::v1;
use ces_core::backtest;
use ces_core::Bands;
use pgrx::pg_sys::{self, Datum, FunctionCallInfo, NullableDatum};
use pgrx::IntoDatum;

#[repr(C)]
struct Scores {
    ptr: *mut f64,
    len: usize,
    cap: usize,
}

#[repr(C)]
struct AucState {
    ctx: pg_sys::MemoryContext,
    pos: Scores,
    neg: Scores,
}

impl Scores {
    unsafe fn push(&mut self, ctx: pg_sys::MemoryContext, v: f64) {
        unsafe {
            if self.len == self.cap {
                // MemoryContextAllocHuge raises an ERROR (53200, or a size error) beyond memory.
                let cap = self.cap.saturating_mul(2).max(256);
                let bytes = cap.saturating_mul(std::mem::size_of::<f64>());
                self.ptr = if self.ptr.is_null() {
                    pg_sys::MemoryContextAllocHuge(ctx, bytes) as *mut f64
                } else {
                    pg_sys::repalloc_huge(self.ptr as *mut std::ffi::c_void, bytes) as *mut f64
                };
                self.cap = cap;
            }
            *self.ptr.add(self.len) = v;
            self.len += 1;
        }
    }

    unsafe fn slice<'a>(&self) -> &'a mut [f64] {
        unsafe {
            if self.len == 0 {
                &mut []
            } else {
                std::slice::from_raw_parts_mut(self.ptr, self.len)
            }
        }
    }
}

/// (score, outcome); None when either is NULL (such rows are ignored).
fn score_outcome(s: NullableDatum, o: NullableDatum) -> Option<(f64, bool)> {
    if s.isnull || o.isnull {
        return None;
    }
    let score = backtest::check_score(fmgr::f64_of(s.value)).or_raise();
    Some((score, o.value.value() != 0))
}

/// Lift state: the bands (owned by the call site's cache, or the static default) and
/// (n, positives) per band, in one palloc'd block.
#[repr(C)]
struct LiftState {
    bands: *const Bands,
    nbands: usize,
}

unsafe fn lift_counts<'a>(s: *mut LiftState) -> &'a mut [(i64, i64)] {
    unsafe {
        std::slice::from_raw_parts_mut(
            (s as *mut u8).add(std::mem::size_of::<LiftState>()) as *mut (i64, i64),
            (*s).nbands,
        )
    }
}

unsafe fn lift_trans(fcinfo: FunctionCallInfo, bands: &Bands) -> Datum {
    unsafe {
        let (st, score, outcome) = (
            fmgr::arg(fcinfo, 0),
            fmgr::arg(fcinfo, 1),
            fmgr::arg(fcinfo, 2),
        );
        let state = if st.isnull {
            let ctx = fmgr::agg_context(fcinfo, "ces_lift");
            let n = bands.bands().len();
            let s = pg_sys::MemoryContextAllocZero(ctx, std::mem::size_of::<LiftState>() + n * 16)
                as *mut LiftState;
            (*s).bands = bands as *const Bands;
            (*s).nbands = n;
            s
        } else {
            let s = st.value.cast_mut_ptr::<LiftState>();
            if !std::ptr::eq((*s).bands, bands) && *(*s).bands != *bands {
                raise(ces_core::CesError::invalid(
                    "every row of a group must use the same bands",
                ));
            }
            s
        };
        if let Some((score, outcome)) = score_outcome(score, outcome) {
            let i = backtest::band_index(&*(*state).bands, score).or_raise();
            let c = &mut lift_counts(state)[i];
            c.0 += 1;
            c.1 += outcome as i64;
        }
        Datum::from(state)
    }
}

/// The state of a final function; None for a group without rows (the result is NULL).
unsafe fn final_state<'a, T>(st: NullableDatum) -> Option<&'a mut T> {
    unsafe { (!st.isnull).then(|| &mut *st.value.cast_mut_ptr::<T>()) }
}

v1! {
    "ces_auc_trans(internal, double precision, boolean) RETURNS internal IMMUTABLE PARALLEL SAFE"
    fn ces_auc_trans(fcinfo, st, score, outcome) {
        let state = if st.isnull {
            let ctx = fmgr::agg_context(fcinfo, "ces_auc");
            let s = pg_sys::MemoryContextAllocZero(ctx, std::mem::size_of::<AucState>())
                as *mut AucState;
            (*s).ctx = ctx;
            s
        } else {
            st.value.cast_mut_ptr::<AucState>()
        };
        if let Some((score, outcome)) = score_outcome(score, outcome) {
            let s = &mut *state;
            if outcome {
                s.pos.push(s.ctx, score)
            } else {
                s.neg.push(s.ctx, score)
            }
        }
        Datum::from(state)
    }

    "ces_auc_final(internal) RETURNS double precision IMMUTABLE PARALLEL SAFE"
    fn ces_auc_final(fcinfo, st) {
        let Some(s) = final_state::<AucState>(st) else {
            return fmgr::return_null(fcinfo);
        };
        match backtest::auc(s.pos.slice(), s.neg.slice()) {
            Some(a) => fmgr::f64_datum(a),
            None => fmgr::return_null(fcinfo),
        }
    }

    "ces_lift_trans(internal, double precision, boolean, jsonb) RETURNS internal IMMUTABLE PARALLEL SAFE"
    fn ces_lift_trans(fcinfo, _st, _score, _outcome, bands) {
        if bands.isnull {
            raise(ces_core::CesError::invalid("bands must not be NULL"));
        }
        // The state points at the scheme: every scheme the scan sees stays parsed.
        lift_trans(fcinfo, bands_arg(fcinfo, 3, bands.value, Retain::All))
    }

    "ces_lift_trans_default(internal, double precision, boolean) RETURNS internal IMMUTABLE PARALLEL SAFE"
    fn ces_lift_trans_default(fcinfo) {
        lift_trans(fcinfo, default_bands())
    }

    "ces_lift_final(internal) RETURNS jsonb IMMUTABLE PARALLEL SAFE"
    fn ces_lift_final(fcinfo, st) {
        let Some(s) = final_state::<LiftState>(st) else {
            return fmgr::return_null(fcinfo);
        };
        let rows: Vec<serde_json::Value> = backtest::lift(&*s.bands, lift_counts(s))
            .into_iter()
            .map(|r| serde_json::json!({"band": r.band, "n": r.n, "positives": r.positives, "rate": r.rate, "lift": r.lift}))
            .collect();
        pgrx::JsonB(serde_json::Value::Array(rows))
            .into_datum()
            .expect("jsonb")
    }
}
