//! `ces_history(...)`: the one-pass engine behind `ces_backfill`. Per account it keeps one
//! 12-byte record per counted event (bucket slot, decay factor to the bucket's end) in
//! a palloc'd array in the aggregate context, so all accounts' states together stay about
//! the size of the events. Its final function lays the records into per-step buckets in
//! scratch buffers reused across accounts and returns the score of every date as a float8[]
//! (NULL before the account's first event), reporting progress with a NOTICE and in
//! `application_name` every tenth of the expected accounts. The layout is validated against the documented limits before
//! anything is allocated, and every buffer sized by it is palloc'd (an ERROR when memory runs
//! out, never an abort).

use crate::error::{raise, OrRaise};
use crate::fmgr::{self, PgBuf};
use crate::model_cache::{self, Retain, Source};
use crate::model_type::parse_model;
use crate::v1::{guarded, v1};
use ces_core::history::{self, Layout};
use ces_core::interrupt::Ticker;
use ces_core::summary::Slot;
use ces_core::{CesError, Model};
use pgrx::pg_sys::{self, Datum, FunctionCallInfo};

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
    /// Validated: every record's slot is below its `n_buckets() × model.len()`.
    layout: Layout,
    len: u32,
    cap: u32,
    /// First date any row of the account is visible on; u32::MAX before one is.
    seen_from: u32,
    /// For progress NOTICEs (0: none).
    expected_accounts: u32,
}

const STATE_ALIGN: usize = 64;
const _: () = assert!(std::mem::size_of::<HistoryState>() == 56);

unsafe fn new_state(fcinfo: FunctionCallInfo, model: &Model) -> *mut HistoryState {
    unsafe {
        let (Some(from), Some(step), Some(n_dates)) = (
            fmgr::i64_arg(fcinfo, 4),
            fmgr::i64_arg(fcinfo, 5),
            fmgr::i64_arg(fcinfo, 6),
        ) else {
            raise(CesError::invalid(
                "ces_history: from_ts, step and n_dates must not be NULL",
            ))
        };
        // n_dates is an integer: its datum holds a sign-extended int4.
        let layout = Layout::new(
            from,
            step,
            n_dates as i32 as i64,
            model.lookback,
            model.len(),
        )
        .or_raise();
        let expected = fmgr::i64_arg(fcinfo, 7).unwrap_or(0);
        let ctx = fmgr::agg_context(fcinfo, "ces_history");
        let size = std::mem::size_of::<HistoryState>();
        let raw = pg_sys::MemoryContextAlloc(ctx, size + STATE_ALIGN - 1) as usize;
        let s = ((raw + STATE_ALIGN - 1) & !(STATE_ALIGN - 1)) as *mut HistoryState;
        s.write(HistoryState {
            model,
            records: std::ptr::null_mut(),
            layout,
            len: 0,
            cap: 0,
            seen_from: u32::MAX,
            expected_accounts: expected.clamp(0, u32::MAX as i64) as u32,
        });
        s
    }
}

/// Room for at least one more record (doubling), in the aggregate context `ctx`.
unsafe fn reserve(s: &mut HistoryState, ctx: pg_sys::MemoryContext) {
    unsafe {
        if s.len < s.cap {
            return;
        }
        // Double the bytes, from 128: AllocSet rounds small chunks up to powers of two, so a
        // capacity of 2^k / 12 records wastes nothing. At most u32::MAX records.
        let size = std::mem::size_of::<Record>();
        let bytes = if s.cap == 0 {
            128
        } else {
            (s.cap as usize * size).next_power_of_two() * 2
        };
        let cap = (bytes / size).min(u32::MAX as usize) as u32;
        if cap <= s.len {
            raise(CesError::limit(format!(
                "ces_history: one account has more than {} events",
                u32::MAX
            )));
        }
        let bytes = cap as usize * size;
        s.records = if s.records.is_null() {
            pg_sys::MemoryContextAllocHuge(ctx, bytes) as *mut Record
        } else {
            pg_sys::repalloc_huge(s.records as *mut std::ffi::c_void, bytes) as *mut Record
        };
        s.cap = cap;
    }
}

/// Appends a record; the caller made room (`reserve`, or checked `len < cap`). Runs outside
/// the pg_guard frame, so it must not panic: without room (never) the record is dropped.
#[inline(always)]
unsafe fn push(s: &mut HistoryState, r: Record) {
    unsafe {
        if s.len >= s.cap {
            return;
        }
        *s.records.add(s.len as usize) = r;
        s.len += 1;
    }
}

v1! {
    /// The usual row (a live state with room for one more record, the constant model it was
    /// made with, an inline event name) runs outside the pg_guard frame: it reads the row and
    /// the call site's cache, writes the state, and calls nothing in PostgreSQL.
    "ces_history_trans(internal, text, timestamp with time zone, ces_model, timestamp with time zone, bigint, integer, bigint) RETURNS internal IMMUTABLE PARALLEL SAFE"
    [raw] fn ces_history_trans(fcinfo) {
        history_fast(fcinfo).unwrap_or_else(|| history_trans_guarded(fcinfo))
    }

    "ces_history_final(internal) RETURNS double precision[] IMMUTABLE PARALLEL SAFE"
    fn ces_history_final(fcinfo, st) {
        if st.isnull {
            return fmgr::return_null(fcinfo);
        }
        history_final(fcinfo, &*st.value.cast_mut_ptr::<HistoryState>())
    }
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
        let (first, place) = state.layout.locate(ts);
        if let Some(first) = first {
            state.seen_from = state.seen_from.min(first as u32);
        }
        if let (Some((bucket, age)), Some(i)) =
            (place, event.and_then(|e| model.weights.index_of(e)))
        {
            push(
                state,
                Record {
                    // below MAX_HISTORY_SLOTS, which `Layout::new` checked
                    slot: (bucket * model.len() + i) as u32,
                    factor: model.decay(i, age),
                },
            );
        }
    }
}

guarded! {
    fn history_trans_guarded(fcinfo, st, _event, _ts, m) {
        if m.isnull {
            raise(CesError::invalid("ces_history: model must not be NULL"));
        }
        let model: &Model =
            model_cache::parsed(fcinfo, 3, m.value, Source::Text, parse_model, Retain::All);
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

/// Per call site of the final function: palloc'd buckets and scratch reused across
/// accounts, the decay factors, and progress.
#[derive(Default)]
struct Scratch {
    buckets: PgBuf<Slot>,
    scratch: PgBuf<Slot>,
    factor: PgBuf<f64>,
    ws: history::Workspace,
    done: i64,
    next_tenth: i64,
}

/// The scores of every date of one account.
unsafe fn history_final(fcinfo: FunctionCallInfo, s: &HistoryState) -> Datum {
    unsafe {
        let model = &*s.model;
        let flinfo = (*fcinfo).flinfo;
        let mcxt = (*flinfo).fn_mcxt;
        if (*flinfo).fn_extra.is_null() {
            let scratch = Scratch {
                next_tenth: 1,
                ..Default::default()
            };
            let p = pgrx::PgMemoryContexts::For(mcxt).leak_and_drop_on_delete(scratch);
            (*flinfo).fn_extra = p as *mut std::ffi::c_void;
        }
        let scratch = &mut *((*flinfo).fn_extra as *mut Scratch);
        let n = model.len();
        let layout = &s.layout;
        let buckets = scratch.buckets.get(mcxt, layout.n_buckets() * n);
        buckets.fill(Slot::default());
        let records = if s.len == 0 {
            &[][..]
        } else {
            std::slice::from_raw_parts(s.records, s.len as usize)
        };
        let mut tick = Ticker::default();
        for &r in records {
            tick.tick();
            history::add_to(buckets, r.slot as usize, r.factor);
        }
        let seen_from = (s.seen_from as usize).min(layout.n_dates());
        let (array, out) = fmgr::float8_array_after_nulls(layout.n_dates(), seen_from);
        scratch.ws.scores(
            model,
            layout,
            buckets,
            scratch.scratch.get(mcxt, layout.scratch_slots(n)),
            scratch.factor.get(mcxt, layout.factor_len(n)),
            seen_from,
            out,
        );
        progress(scratch, s.expected_accounts as i64);
        array
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
        show_progress(p.next_tenth * 10, expected);
        p.next_tenth = (p.done * 10 / expected + 1).min(10);
    }
    if p.done == expected {
        show_progress(100, expected);
    }
}

/// The same progress in `application_name`, which `pg_stat_activity` shows to every other
/// session at once (NOTICEs only reach the client, and dbt or a BI tool hides them). Set as
/// with SET LOCAL, so the caller's own name comes back when the transaction ends; skipped in
/// a parallel operation, where no setting may change.
fn show_progress(percent: i64, expected: i64) {
    unsafe {
        if pg_sys::IsInParallelMode() {
            return;
        }
        let value =
            std::ffi::CString::new(format!("ces_backfill {percent}% of {expected} accounts"))
                .expect("no NUL in a formatted number");
        pg_sys::set_config_option(
            c"application_name".as_ptr(),
            value.as_ptr(),
            pg_sys::GucContext::PGC_USERSET,
            pg_sys::GucSource::PGC_S_SESSION,
            pg_sys::GucAction::GUC_ACTION_LOCAL,
            true,
            pg_sys::WARNING as i32,
            false,
        );
    }
}
