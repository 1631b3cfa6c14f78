//! `ces_fit_model` and `ces_fit_report`: fit weights from outcomes. The outcomes are read
//! through an SPI cursor, then the events once, through a DestReceiver that feeds each row
//! to the core's `Features` (no tuple is kept); both queries run with the caller's rights.
//! The fit itself (`ces_core::fit`) runs in memory bounded by `MAX_FIT_CELLS`, checking for
//! interrupts.

use crate::error::{raise, OrRaise};
use crate::fmgr;
use crate::model_type::parse_model;
use crate::time::PgTime;
use crate::v1::v1;
use ces_core::fit::{self, Features, FitOptions, FitReport};
use ces_core::CesError;
use pgrx::pg_guard;
use pgrx::pg_sys::panic::ErrorReport;
use pgrx::pg_sys::{self, Datum, FunctionCallInfo, Oid};
use pgrx::{PgLogLevel, PgSqlErrorCode};
use std::ffi::{CStr, CString};

/// Event rows between two progress NOTICEs; inputs at least this large also report each
/// candidate half-life's cross-validated AUC as a NOTICE (smaller ones at DEBUG1).
const PROGRESS_ROWS: u64 = 1_000_000;
/// Rows fetched per cursor batch.
const BATCH: i64 = 10_000;

fn sql_error(code: PgSqlErrorCode, message: String) -> ! {
    ErrorReport::new(code, message, "ces").report(PgLogLevel::ERROR);
    unreachable!("ERROR does not return")
}

unsafe fn cstr_string(p: *const std::ffi::c_char) -> String {
    unsafe { CStr::from_ptr(p).to_string_lossy().into_owned() }
}

/// The relation's schema-qualified, quoted name; 42P01 when it no longer exists.
unsafe fn relation_name(rel: Oid) -> (String, String) {
    unsafe {
        let name = pg_sys::get_rel_name(rel);
        if name.is_null() {
            sql_error(
                PgSqlErrorCode::ERRCODE_UNDEFINED_TABLE,
                format!("relation with OID {} does not exist", rel.to_u32()),
            );
        }
        let nsp = pg_sys::get_namespace_name(pg_sys::get_rel_namespace(rel));
        let qualified = cstr_string(pg_sys::quote_qualified_identifier(nsp, name));
        (qualified, cstr_string(name))
    }
}

/// The quoted column name; 42703 when `rel` has no such column.
unsafe fn column(rel: Oid, relname: &str, name: &str, what: &str, target: Oid) -> String {
    unsafe {
        let c = CString::new(name).unwrap_or_else(|_| {
            raise(CesError::invalid(format!(
                "{what} contains a NUL character"
            )))
        });
        // System columns (ctid, xmin, ...) are not data: as unknown as a missing column.
        let attnum = pg_sys::get_attnum(rel, c.as_ptr());
        if attnum <= 0 {
            sql_error(
                PgSqlErrorCode::ERRCODE_UNDEFINED_COLUMN,
                format!("column \"{name}\" ({what}) of relation \"{relname}\" does not exist"),
            );
        }
        check_cast(rel, attnum, target, name, what);
        cstr_string(pg_sys::quote_identifier(c.as_ptr()))
    }
}

/// The query casts the column to `target` (and compares a ts column with timestamptz): a
/// cast the table's owner defined on a type of theirs would run their function with the
/// caller's rights, so only built-in conversions are taken. A ts column must be a
/// timestamptz, timestamp or date (or a domain over one).
unsafe fn check_cast(rel: Oid, attnum: i16, target: Oid, name: &str, what: &str) {
    unsafe {
        let ty = pg_sys::get_atttype(rel, attnum);
        let type_name = || cstr_string(pg_sys::format_type_be(ty));
        if target == pg_sys::TIMESTAMPTZOID {
            let base = pg_sys::getBaseType(ty);
            if ![
                pg_sys::TIMESTAMPTZOID,
                pg_sys::TIMESTAMPOID,
                pg_sys::DATEOID,
            ]
            .contains(&base)
            {
                sql_error(
                    PgSqlErrorCode::ERRCODE_DATATYPE_MISMATCH,
                    format!(
                        "column \"{name}\" ({what}) has type {}: it must be timestamptz, timestamp or date",
                        type_name()
                    ),
                );
            }
        }
        let mut func = pg_sys::InvalidOid;
        let path = pg_sys::find_coercion_pathway(
            target,
            ty,
            pg_sys::CoercionContext::COERCION_EXPLICIT,
            &mut func,
        );
        let foreign_function = path == pg_sys::CoercionPathType::COERCION_PATH_FUNC
            && pg_sys::get_func_namespace(func) != pg_sys::PG_CATALOG_NAMESPACE.into();
        if path == pg_sys::CoercionPathType::COERCION_PATH_ARRAYCOERCE || foreign_function {
            let mut e = ErrorReport::new(
                PgSqlErrorCode::ERRCODE_DATATYPE_MISMATCH,
                format!(
                    "column \"{name}\" ({what}) has type {}, whose cast to {} is not built in",
                    type_name(),
                    cstr_string(pg_sys::format_type_be(target))
                ),
                "ces",
            );
            e = e.set_hint(
                "ces_fit reads columns through built-in casts only; cast the column in a view of your own",
            );
            e.report(PgLogLevel::ERROR);
        }
    }
}

unsafe fn text_arg(fcinfo: FunctionCallInfo, i: usize, what: &str) -> String {
    unsafe {
        let a = fmgr::arg(fcinfo, i);
        if a.isnull {
            raise(CesError::invalid(format!("{what} must not be NULL")));
        }
        fmgr::utf8(fmgr::varlena_bytes(a.value), what).to_owned()
    }
}

unsafe fn oid_arg(fcinfo: FunctionCallInfo, i: usize, what: &str) -> Oid {
    unsafe {
        let a = fmgr::arg(fcinfo, i);
        if a.isnull {
            raise(CesError::invalid(format!("{what} must not be NULL")));
        }
        Oid::from(a.value.value() as u32)
    }
}

/// Runs `query` through a read-only SPI cursor and hands each row to `row`, a batch at a
/// time; per-row allocations (detoasting) go to a context reset after each batch.
unsafe fn for_each_row(
    query: &str,
    args: &mut [(Oid, Datum)],
    mut row: impl FnMut(pg_sys::HeapTuple, pg_sys::TupleDesc),
) {
    unsafe {
        let q = CString::new(query).expect("query text has no NUL");
        let mut types: Vec<Oid> = args.iter().map(|a| a.0).collect();
        let mut values: Vec<Datum> = args.iter().map(|a| a.1).collect();
        let nulls = vec![b' ' as std::ffi::c_char; args.len() + 1];
        let portal = pg_sys::SPI_cursor_open_with_args(
            std::ptr::null(),
            q.as_ptr(),
            args.len() as i32,
            types.as_mut_ptr(),
            values.as_mut_ptr(),
            nulls.as_ptr(),
            true,
            pg_sys::CURSOR_OPT_NO_SCROLL as i32,
        );
        if portal.is_null() {
            raise(CesError::invalid(format!(
                "could not open a cursor for: {query}"
            )));
        }
        let scratch = pg_sys::AllocSetContextCreateExtended(
            pg_sys::CurrentMemoryContext,
            c"ces_fit rows".as_ptr(),
            pg_sys::ALLOCSET_DEFAULT_MINSIZE as usize,
            pg_sys::ALLOCSET_DEFAULT_INITSIZE as usize,
            pg_sys::ALLOCSET_DEFAULT_MAXSIZE as usize,
        );
        loop {
            pg_sys::SPI_cursor_fetch(portal, true, BATCH as _);
            let n = pg_sys::SPI_processed as usize;
            let tt = pg_sys::SPI_tuptable;
            if n == 0 || tt.is_null() {
                break;
            }
            let old = pg_sys::MemoryContextSwitchTo(scratch);
            for i in 0..n {
                row(*(*tt).vals.add(i), (*tt).tupdesc);
            }
            pg_sys::MemoryContextSwitchTo(old);
            pg_sys::MemoryContextReset(scratch);
            pg_sys::SPI_freetuptable(tt);
        }
        pg_sys::SPI_cursor_close(portal);
        pg_sys::MemoryContextDelete(scratch);
    }
}

#[inline]
unsafe fn value(tup: pg_sys::HeapTuple, desc: pg_sys::TupleDesc, n: i32) -> Option<Datum> {
    unsafe {
        let mut isnull = false;
        let d = pg_sys::SPI_getbinval(tup, desc, n, &mut isnull);
        (!isnull).then_some(d)
    }
}

/// Where the events query sends its rows: straight into `Features`, one slot at a time
/// (no tuple is copied into an SPI table). A core error stops the query and is raised after.
#[repr(C)]
struct EventSink {
    dest: pg_sys::DestReceiver,
    features: *mut Features,
    failed: Option<CesError>,
    scratch: pg_sys::MemoryContext,
}

#[pg_guard]
unsafe extern "C-unwind" fn sink_receive(
    slot: *mut pg_sys::TupleTableSlot,
    dest: *mut pg_sys::DestReceiver,
) -> bool {
    unsafe {
        let sink = &mut *(dest as *mut EventSink);
        let features = &mut *sink.features;
        pg_sys::slot_getsomeattrs(slot, 3);
        let values = (*slot).tts_values;
        let nulls = (*slot).tts_isnull;
        let get = |i: usize| (!*nulls.add(i)).then(|| *values.add(i));
        let old = pg_sys::MemoryContextSwitchTo(sink.scratch);
        let a = get(0).map(|d| fmgr::varlena_bytes(d));
        let e = get(1).map(|d| fmgr::varlena_bytes(d));
        let t = get(2).map(|d| d.value() as i64);
        let result = features.add(a, e, t);
        pg_sys::MemoryContextSwitchTo(old);
        if features.rows.is_multiple_of(BATCH as u64) {
            pg_sys::MemoryContextReset(sink.scratch);
        }
        if features.rows.is_multiple_of(PROGRESS_ROWS) {
            pgrx::notice!("ces_fit: read {} event rows", features.rows);
        }
        match result {
            Ok(()) => true,
            Err(err) => {
                sink.failed = Some(err);
                false
            }
        }
    }
}

#[pg_guard]
unsafe extern "C-unwind" fn sink_startup(
    _dest: *mut pg_sys::DestReceiver,
    _operation: i32,
    _typeinfo: pg_sys::TupleDesc,
) {
}

#[pg_guard]
unsafe extern "C-unwind" fn sink_noop(_dest: *mut pg_sys::DestReceiver) {}

/// Runs the events query (parameters `args`), feeding every row to `features`.
unsafe fn read_events(features: &mut Features, query: &str, args: &[(Oid, Datum)]) {
    unsafe {
        let q = CString::new(query).expect("query text has no NUL");
        let params = pg_sys::makeParamList(args.len() as i32);
        (*params).numParams = args.len() as i32;
        let slots = (*params).params.as_mut_slice(args.len());
        for (p, (ty, v)) in slots.iter_mut().zip(args) {
            p.value = *v;
            p.isnull = false;
            p.pflags = pg_sys::PARAM_FLAG_CONST as u16;
            p.ptype = *ty;
        }
        let scratch = pg_sys::AllocSetContextCreateExtended(
            pg_sys::CurrentMemoryContext,
            c"ces_fit events".as_ptr(),
            pg_sys::ALLOCSET_DEFAULT_MINSIZE as usize,
            pg_sys::ALLOCSET_DEFAULT_INITSIZE as usize,
            pg_sys::ALLOCSET_DEFAULT_MAXSIZE as usize,
        );
        let mut sink = EventSink {
            dest: pg_sys::DestReceiver {
                receiveSlot: Some(sink_receive),
                rStartup: Some(sink_startup),
                rShutdown: Some(sink_noop),
                rDestroy: Some(sink_noop),
                mydest: pg_sys::CommandDest::DestNone,
            },
            features,
            failed: None,
            scratch,
        };
        let options = pg_sys::SPIExecuteOptions {
            params,
            read_only: true,
            dest: &mut sink.dest,
            ..Default::default()
        };
        let rc = pg_sys::SPI_execute_extended(q.as_ptr(), &options);
        pg_sys::MemoryContextDelete(scratch);
        if let Some(err) = sink.failed.take() {
            raise(err);
        }
        if rc < 0 {
            pgrx::error!("ces_fit: reading the events failed (SPI code {rc})");
        }
    }
}

/// The baseline model named or given in the options, read through `ces_model`'s input
/// function (so a registered name works), anchored at as_of by `Features`.
unsafe fn baseline_model(fcinfo: FunctionCallInfo, v: &serde_json::Value) -> ces_core::Model {
    unsafe {
        let text = match v {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let nsp = pg_sys::get_func_namespace((*(*fcinfo).flinfo).fn_oid);
        let schema = cstr_string(pg_sys::quote_identifier(pg_sys::get_namespace_name(nsp)));
        let query = format!("SELECT $1::pg_catalog.text::{schema}.ces_model::pg_catalog.text");
        let canonical = pgrx::spi::Spi::connect(|client| {
            client
                .select(query.as_str(), Some(1), &[text.as_str().into()])?
                .first()
                .get_one::<String>()
        })
        .unwrap_or_else(|e| pgrx::error!("options.baseline: {e}"))
        .unwrap_or_else(|| pgrx::error!("options.baseline is NULL"));
        parse_model(&canonical).or_raise()
    }
}

/// Reads the arguments, the outcomes and the events, and fits.
unsafe fn run(fcinfo: FunctionCallInfo) -> FitReport {
    unsafe {
        let events = oid_arg(fcinfo, 0, "events");
        let account_col = text_arg(fcinfo, 1, "account_column");
        let event_col = text_arg(fcinfo, 2, "event_column");
        let ts_col = text_arg(fcinfo, 3, "ts_column");
        let outcomes = oid_arg(fcinfo, 4, "outcomes");
        let outcome_col = text_arg(fcinfo, 5, "outcome_column");
        let as_of = fmgr::arg(fcinfo, 6);
        if as_of.isnull {
            raise(CesError::invalid("as_of must not be NULL"));
        }
        let as_of = as_of.value.value() as i64;
        if as_of == i64::MAX || as_of == i64::MIN {
            raise(CesError::invalid("as_of must be finite"));
        }
        let opt = fmgr::arg(fcinfo, 7);
        let opts = if opt.isnull {
            FitOptions::default()
        } else {
            FitOptions::parse(&fmgr::jsonb_text(opt.value, "options"), &PgTime).or_raise()
        };

        let (ev_rel, ev_name) = relation_name(events);
        let (out_rel, out_name) = relation_name(outcomes);
        // Each column, checked and cast to the type the fit reads.
        let ev_col = |name: &str, what, ty| column(events, &ev_name, name, what, ty);
        let out_col = |name: &str, what, ty| column(outcomes, &out_name, name, what, ty);
        let (text, time, boolean) = (pg_sys::TEXTOID, pg_sys::TIMESTAMPTZOID, pg_sys::BOOLOID);
        let ev_account = ev_col(&account_col, "account_column", text);
        let ev_event = ev_col(&event_col, "event_column", text);
        let ev_ts = ev_col(&ts_col, "ts_column", time);
        let out_account = out_col(&account_col, "account_column", text);
        let out_outcome = out_col(&outcome_col, "outcome_column", boolean);

        let baseline = opts.baseline.as_ref().map(|v| baseline_model(fcinfo, v));

        if pg_sys::SPI_connect() != pg_sys::SPI_OK_CONNECT as i32 {
            pgrx::error!("SPI_connect failed");
        }
        // The outcomes: one row per account; NULL outcomes (and accounts) are skipped.
        let mut labels: Vec<(Vec<u8>, bool)> = Vec::new();
        let mut skipped = 0u64;
        let mut ticker = ces_core::interrupt::Ticker::default();
        // Even one event type needs a cell per account and candidate: stop reading early.
        let max_accounts = (ces_core::limits::MAX_FIT_CELLS / opts.candidates.len().max(1))
            .min(ces_core::limits::MAX_FIT_ACCOUNTS);
        for_each_row(
            &format!(
                "SELECT {out_account}::pg_catalog.text, {out_outcome}::pg_catalog.bool FROM {out_rel}"
            ),
            &mut [],
            |tup, desc| {
                ticker.tick();
                match (value(tup, desc, 1), value(tup, desc, 2)) {
                    (Some(a), Some(o)) => {
                        if labels.len() >= max_accounts {
                            ces_core::fit::features::check_accounts(
                                labels.len() + 1,
                                opts.candidates.len(),
                            )
                            .or_raise();
                        }
                        labels.push((fmgr::varlena_bytes(a).to_vec(), o.value() != 0))
                    }
                    _ => skipped += 1,
                }
            },
        );
        if skipped > 0 {
            pgrx::notice!("ces_fit: skipped {skipped} outcome rows with a NULL account or outcome");
        }
        let mut features =
            Features::new(labels, opts.candidates.clone(), as_of, opts.lookback).or_raise();
        if let Some(m) = baseline {
            features = features.with_baseline(m).or_raise();
        }

        // The events, once: only rows up to as_of (and inside the lookback, when no
        // baseline needs the older ones).
        let mut query = format!(
            "SELECT {ev_account}::pg_catalog.text, {ev_event}::pg_catalog.text, {ev_ts}::pg_catalog.timestamptz FROM {ev_rel} WHERE {ev_ts} OPERATOR(pg_catalog.<=) $1"
        );
        let mut args = vec![(pg_sys::TIMESTAMPTZOID, Datum::from(as_of))];
        if let (Some(lb), None) = (opts.lookback, &opts.baseline) {
            query.push_str(&format!(" AND {ev_ts} OPERATOR(pg_catalog.>) $2"));
            args.push((
                pg_sys::TIMESTAMPTZOID,
                Datum::from(as_of.saturating_sub(lb)),
            ));
        }
        read_events(&mut features, &query, &args);
        pg_sys::SPI_finish();
        features.finish();
        let large = features.rows >= PROGRESS_ROWS;
        if large {
            pgrx::notice!(
                "ces_fit: {} event rows read, {} counted for {} accounts and {} event types; fitting {} half-lives × {} folds",
                features.rows,
                features.counted,
                features.len(),
                features.types.len(),
                features.candidates.len(),
                opts.k
            );
        }
        let report = fit::fit(&features, &opts, &mut |line| {
            if large {
                pgrx::notice!("ces_fit: {line}");
            } else {
                pgrx::debug1!("ces_fit: {line}");
            }
        })
        .or_raise();
        if !report.events.iter().any(|e| e.kept) {
            pgrx::notice!(
                "ces_fit: no event type's weight is distinguishable from 0; the model weights nothing"
            );
        }
        report
    }
}

v1! {
    /// `ces_fit_model(events, account_column, event_column, ts_column, outcomes,
    /// outcome_column, as_of, options)`: the fitted model.
    "ces_fit_model(regclass, text, text, text, regclass, text, timestamp with time zone, jsonb) RETURNS ces_model VOLATILE PARALLEL UNSAFE"
    fn ces_fit_model(fcinfo) {
        let report = run(fcinfo);
        report.check_weights().or_raise();
        let model = parse_model(&report.model_json().to_string()).or_raise();
        Datum::from(fmgr::varlena_from(model.to_json().as_bytes()))
    }

    /// The report behind `ces_fit_report`, as JSON text (one object per event type).
    "ces_fit_report_json(regclass, text, text, text, regclass, text, timestamp with time zone, jsonb) RETURNS text VOLATILE PARALLEL UNSAFE"
    fn ces_fit_report_json(fcinfo) {
        let report = run(fcinfo);
        Datum::from(fmgr::varlena_from(
            report.rows_json().to_string().as_bytes(),
        ))
    }
}
