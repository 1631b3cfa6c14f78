//! `ces_history(...)`: the one-pass engine behind `ces_backfill`. Per account it collects the
//! events into per-step buckets (a palloc'd block in the aggregate context), and its final
//! function returns the score of every date as a float8[] (NULL before the account's first
//! event), reporting progress with a NOTICE every tenth of the expected accounts.

use crate::error::raise;
use crate::fmgr::{self, pg_finfo_v1};
use crate::model_cache::{self, Source};
use crate::model_type::parse_model;
use ces_core::history::{self, Layout};
use ces_core::summary::{Slot, SLOT_BYTES};
use ces_core::{CesError, Model};
use pgrx::pg_guard;
use pgrx::pg_sys::{self, Datum, FunctionCallInfo};
use pgrx::IntoDatum;

#[repr(C)]
struct HistoryState {
    model: *const Model,
    layout: Layout,
    seen_from: usize,
    expected_accounts: i64,
}

const HEADER: usize = std::mem::size_of::<HistoryState>().next_multiple_of(8);

unsafe fn buckets<'a>(s: *mut HistoryState) -> &'a mut [Slot] {
    unsafe {
        let n = (*s).layout.n_buckets() * (*(*s).model).len();
        std::slice::from_raw_parts_mut((s as *mut u8).add(HEADER) as *mut Slot, n)
    }
}

unsafe fn new_state(fcinfo: FunctionCallInfo, model: &Model) -> *mut HistoryState {
    unsafe {
        let from = fmgr::arg(fcinfo, 4);
        let step = fmgr::arg(fcinfo, 5);
        let n_dates = fmgr::arg(fcinfo, 6);
        if from.isnull || step.isnull || n_dates.isnull {
            raise(CesError::invalid(
                "ces_history: from_ts, step and n_dates must not be NULL",
            ));
        }
        let step = step.value.value() as i64;
        let n_dates = n_dates.value.value() as i32;
        if step <= 0 || n_dates <= 0 {
            raise(CesError::invalid(
                "ces_history: step and n_dates must be positive",
            ));
        }
        let window = match model.lookback {
            Some(lb) if lb % step != 0 => raise(CesError::invalid(
                "the model's lookback must be a whole number of steps",
            )),
            Some(lb) => Some((lb / step) as usize),
            None => None,
        };
        let layout = Layout {
            from: from.value.value() as i64,
            step,
            n_dates: n_dates as usize,
            window,
        };
        let expected = fmgr::arg(fcinfo, 7);
        let ctx = fmgr::agg_context(fcinfo, "ces_history");
        let size = HEADER + layout.n_buckets() * model.len() * SLOT_BYTES;
        let s = pg_sys::MemoryContextAllocZero(ctx, size) as *mut HistoryState;
        *s = HistoryState {
            model,
            layout,
            seen_from: usize::MAX,
            expected_accounts: if expected.isnull {
                0
            } else {
                expected.value.value() as i64
            },
        };
        s
    }
}

pg_finfo_v1!(pg_finfo_ces_history_trans);
#[pg_guard]
#[unsafe(no_mangle)]
pub unsafe extern "C-unwind" fn ces_history_trans(fcinfo: FunctionCallInfo) -> Datum {
    unsafe {
        let st = fmgr::arg(fcinfo, 0);
        let m = fmgr::arg(fcinfo, 3);
        if m.isnull {
            raise(CesError::invalid("ces_history: model must not be NULL"));
        }
        let model: &Model =
            model_cache::parsed_stable(fcinfo, 3, m.value, Source::Text, parse_model);
        let s = if st.isnull {
            new_state(fcinfo, model)
        } else {
            st.value.cast_mut_ptr::<HistoryState>()
        };
        if !std::ptr::eq((*s).model, model) {
            raise(CesError::invalid(
                "every row of a group must use the same model",
            ));
        }
        let ts = fmgr::arg(fcinfo, 2);
        if ts.isnull {
            return Datum::from(s);
        }
        let ts = ts.value.value() as i64;
        let layout = (*s).layout;
        if let Some(first) = layout.first_date(ts) {
            (*s).seen_from = (*s).seen_from.min(first);
        }
        let event = fmgr::arg(fcinfo, 1);
        if !event.isnull {
            if let (Some((b, age)), Some(i)) = (
                layout.place(ts),
                model.weights.index_of(fmgr::varlena_bytes(event.value)),
            ) {
                history::add(buckets(s), model.len(), model, b, i, age);
            }
        }
        Datum::from(s)
    }
}

/// Accounts finalised so far by this call site, for progress NOTICEs.
struct Progress {
    done: i64,
    next_tenth: i64,
}

pg_finfo_v1!(pg_finfo_ces_history_final);
#[pg_guard]
#[unsafe(no_mangle)]
pub unsafe extern "C-unwind" fn ces_history_final(fcinfo: FunctionCallInfo) -> Datum {
    unsafe {
        let st = fmgr::arg(fcinfo, 0);
        if st.isnull {
            return fmgr::return_null(fcinfo);
        }
        let s = st.value.cast_mut_ptr::<HistoryState>();
        let model = &*(*s).model;
        let scores = history::scores(
            model,
            &(*s).layout,
            buckets(s),
            (*s).seen_from.min((*s).layout.n_dates),
        );
        report_progress(fcinfo, (*s).expected_accounts);
        scores
            .into_datum()
            .or_else(|| Some(fmgr::return_null(fcinfo)))
            .unwrap()
    }
}

unsafe fn report_progress(fcinfo: FunctionCallInfo, expected: i64) {
    unsafe {
        if expected <= 0 {
            return;
        }
        let flinfo = (*fcinfo).flinfo;
        if (*flinfo).fn_extra.is_null() {
            let p =
                pgrx::PgMemoryContexts::For((*flinfo).fn_mcxt).leak_and_drop_on_delete(Progress {
                    done: 0,
                    next_tenth: 1,
                });
            (*flinfo).fn_extra = p as *mut std::ffi::c_void;
        }
        let p = &mut *((*flinfo).fn_extra as *mut Progress);
        p.done += 1;
        if p.next_tenth < 10 && p.done * 10 >= p.next_tenth * expected {
            pgrx::notice!(
                "ces_backfill: about {}% of {} accounts scored",
                p.next_tenth * 10,
                expected
            );
            p.next_tenth = (p.done * 10 / expected + 1).min(10);
        }
    }
}
