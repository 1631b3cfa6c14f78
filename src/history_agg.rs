//! `ces_history(...)`: the one-pass engine behind `ces_backfill`. Per account it keeps one
//! 12-byte record per counted event (bucket slot, decay factor to the bucket's end) in
//! a palloc'd array in the aggregate context, so all accounts' states together stay about
//! the size of the events. Its final function lays the records into per-step buckets in
//! scratch buffers reused across accounts and returns the score of every date as a float8[]
//! (NULL before the account's first event), reporting progress with a NOTICE every tenth of
//! the expected accounts.

use crate::error::raise;
use crate::fmgr::{self, pg_finfo_v1};
use crate::model_cache::{self, Source};
use crate::model_type::parse_model;
use ces_core::history::{self, Layout};
use ces_core::summary::Slot;
use ces_core::{CesError, Model};
use pgrx::pg_guard;
use pgrx::pg_sys::{self, Datum, FunctionCallInfo};
use pgrx::IntoDatum;

/// 12 bytes, packed: every record an account keeps is read back once, so its size is memory
/// traffic (unaligned f64 loads cost nothing extra on the CPUs PostgreSQL runs on).
#[repr(C, packed)]
#[derive(Clone, Copy)]
struct Record {
    /// bucket × event types + event type: the bucket slot this event adds to.
    slot: u32,
    /// 0.5^(age / half_life) to the bucket's end (1 without decay).
    factor: f64,
}

/// One account's state. Everything a row reads or writes lies in its first 56 bytes, and the
/// state is placed on a 64-byte boundary: with many accounts in random order, a row costs one
/// cache miss for the state and one for the end of its records, not three.
#[repr(C)]
struct HistoryState {
    model: *const Model,
    records: *mut Record,
    from: i64,
    step: i64,
    len: u32,
    cap: u32,
    /// First date any row of the account is visible on; u32::MAX before one is.
    seen_from: u32,
    n_dates: u32,
    /// Buckets per window (lookback / step); 0 without a lookback.
    window: u32,
    /// For progress NOTICEs (0: none).
    expected_accounts: u32,
}

const STATE_ALIGN: usize = 64;
const _: () = assert!(std::mem::size_of::<HistoryState>() == 56);

impl HistoryState {
    #[inline(always)]
    fn layout(&self) -> Layout {
        Layout {
            from: self.from,
            step: self.step,
            n_dates: self.n_dates as usize,
            window: (self.window != 0).then_some(self.window as usize),
        }
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
            Some(lb) if lb / step > u32::MAX as i64 / 2 => {
                raise(CesError::invalid("the model's lookback is too many steps"))
            }
            Some(lb) => (lb / step) as u32,
            None => 0,
        };
        let from = from.value.value() as i64;
        let layout = Layout {
            from,
            step,
            n_dates: n_dates as usize,
            window: (window != 0).then_some(window as usize),
        };
        if layout.n_buckets() as u64 * model.len() as u64 > u32::MAX as u64 {
            raise(CesError::invalid(format!(
                "ces_history: {n_dates} dates of {} event types are too many for one backfill",
                model.len()
            )));
        }
        let expected = fmgr::arg(fcinfo, 7);
        let ctx = fmgr::agg_context(fcinfo, "ces_history");
        let size = std::mem::size_of::<HistoryState>();
        let raw = pg_sys::MemoryContextAlloc(ctx, size + STATE_ALIGN - 1) as usize;
        let s = ((raw + STATE_ALIGN - 1) & !(STATE_ALIGN - 1)) as *mut HistoryState;
        *s = HistoryState {
            model,
            records: std::ptr::null_mut(),
            from,
            step,
            len: 0,
            cap: 0,
            seen_from: u32::MAX,
            n_dates: n_dates as u32,
            window,
            expected_accounts: if expected.isnull {
                0
            } else {
                (expected.value.value() as i64).clamp(0, u32::MAX as i64) as u32
            },
        };
        s
    }
}

/// Room for at least one more record (doubling), in the aggregate context `ctx`.
unsafe fn reserve(s: &mut HistoryState, ctx: pg_sys::MemoryContext) {
    unsafe {
        if s.len < s.cap {
            return;
        }
        if s.cap >= u32::MAX / 2 {
            raise(CesError::invalid(
                "ces_history: too many events for one account",
            ));
        }
        // Double the bytes, from 128: AllocSet rounds small chunks up to powers of two, so a
        // capacity of 2^k / 12 records wastes nothing.
        let size = std::mem::size_of::<Record>();
        let bytes = if s.cap == 0 {
            128
        } else {
            (s.cap as usize * size).next_power_of_two() * 2
        };
        let cap = (bytes / size) as u32;
        s.records = if s.records.is_null() {
            pg_sys::MemoryContextAllocHuge(ctx, bytes) as *mut Record
        } else {
            pg_sys::repalloc_huge(s.records as *mut std::ffi::c_void, bytes) as *mut Record
        };
        s.cap = cap;
    }
}

/// Appends a record; the caller made room (`reserve`, or checked `len < cap`).
#[inline(always)]
unsafe fn push(s: &mut HistoryState, r: Record) {
    unsafe {
        debug_assert!(s.len < s.cap);
        *s.records.add(s.len as usize) = r;
        s.len += 1;
    }
}

pg_finfo_v1!(pg_finfo_ces_history_trans);
/// The usual row (a live state with room for one more record, the constant model it was made
/// with, an inline event name) runs outside the pg_guard frame: it reads the row and the
/// call site's cache, writes the state, and calls nothing in PostgreSQL.
#[unsafe(no_mangle)]
pub unsafe extern "C-unwind" fn ces_history_trans(fcinfo: FunctionCallInfo) -> Datum {
    unsafe { history_fast(fcinfo).unwrap_or_else(|| history_trans_guarded(fcinfo)) }
}

#[inline(always)]
unsafe fn history_fast(fcinfo: FunctionCallInfo) -> Option<Datum> {
    unsafe {
        let st = fmgr::arg(fcinfo, 0);
        if st.isnull || fmgr::arg(fcinfo, 3).isnull {
            return None;
        }
        let model = model_cache::constant::<Model>(fcinfo)?;
        let s = &mut *st.value.cast_mut_ptr::<HistoryState>();
        if !std::ptr::eq(s.model, model) || s.len == s.cap {
            return None;
        }
        add_row(
            s,
            model,
            fmgr::inline_text_arg(fcinfo, 1)?,
            fmgr::i64_arg(fcinfo, 2),
        );
        Some(st.value)
    }
}

/// Records one row: its first visible date, and a record when its event is weighted and
/// inside the layout.
#[inline(always)]
unsafe fn add_row(state: &mut HistoryState, model: &Model, event: Option<&[u8]>, ts: Option<i64>) {
    unsafe {
        let Some(ts) = ts else { return };
        let (first, place) = state.layout().locate(ts);
        if let Some(first) = first {
            state.seen_from = state.seen_from.min(first as u32);
        }
        if let (Some((bucket, age)), Some(i)) =
            (place, event.and_then(|e| model.weights.index_of(e)))
        {
            push(
                state,
                Record {
                    slot: (bucket * model.len() + i) as u32,
                    factor: model.decay(i, age),
                },
            );
        }
    }
}

#[pg_guard]
#[inline(never)]
unsafe extern "C-unwind" fn history_trans_guarded(fcinfo: FunctionCallInfo) -> Datum {
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
        let state = &mut *s;
        if !std::ptr::eq(state.model, model) {
            raise(CesError::invalid(
                "every row of a group must use the same model",
            ));
        }
        reserve(state, fmgr::agg_context(fcinfo, "ces_history"));
        let (event, ts) = fmgr::event_ts_args(fcinfo);
        add_row(state, model, event, ts);
        Datum::from(s)
    }
}

/// Per call site of the final function: dense buckets reused across accounts, and progress.
#[derive(Default)]
struct Scratch {
    buckets: Vec<Slot>,
    ws: history::Workspace,
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
        let s = &*st.value.cast_mut_ptr::<HistoryState>();
        let model = &*s.model;
        let flinfo = (*fcinfo).flinfo;
        if (*flinfo).fn_extra.is_null() {
            let scratch = Scratch {
                next_tenth: 1,
                ..Default::default()
            };
            let p = pgrx::PgMemoryContexts::For((*flinfo).fn_mcxt).leak_and_drop_on_delete(scratch);
            (*flinfo).fn_extra = p as *mut std::ffi::c_void;
        }
        let scratch = &mut *((*flinfo).fn_extra as *mut Scratch);
        let n = model.len();
        scratch.buckets.clear();
        scratch
            .buckets
            .resize(s.layout().n_buckets() * n, Slot::default());
        let records = if s.len == 0 {
            &[][..]
        } else {
            std::slice::from_raw_parts(s.records, s.len as usize)
        };
        for &r in records {
            history::add_to(&mut scratch.buckets, r.slot as usize, r.factor);
        }
        let scores = scratch.ws.scores(
            model,
            &s.layout(),
            &scratch.buckets,
            (s.seen_from as usize).min(s.n_dates as usize),
        );
        progress(scratch, s.expected_accounts as i64);
        scores
            .into_datum()
            .unwrap_or_else(|| fmgr::return_null(fcinfo))
    }
}

fn progress(p: &mut Scratch, expected: i64) {
    if expected <= 0 {
        return;
    }
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
