//! The `ces_summary` type (binary payload from `ces_core::summary::encode`, readable JSON
//! text form) and its accessors: ces_score, ces_score_at, ces_breakdown, ces_last_seen,
//! ces_event_count and ces_depth.

use crate::error::{raise, OrRaise};
use crate::fmgr::{self, pg_finfo_v1};
use crate::model_agg::open_summary;
use crate::time::PgTime;
use ces_core::summary::{self, NO_TS};
use ces_core::CesError;
use pgrx::pg_guard;
use pgrx::pg_sys::{Datum, FunctionCallInfo};
use pgrx::IntoDatum;

unsafe fn summary_datum(bytes: &[u8]) -> Datum {
    unsafe { Datum::from(fmgr::varlena_from(bytes)) }
}

pg_finfo_v1!(pg_finfo_ces_summary_in);
#[pg_guard]
#[unsafe(no_mangle)]
pub unsafe extern "C-unwind" fn ces_summary_in(fcinfo: FunctionCallInfo) -> Datum {
    unsafe {
        let text = fmgr::cstring_arg(fmgr::arg(fcinfo, 0).value);
        let (model, header, slots) = summary::from_json(text, &PgTime).or_raise();
        summary_datum(&summary::encode(&header, &slots, &model.body))
    }
}

pg_finfo_v1!(pg_finfo_ces_summary_out);
#[pg_guard]
#[unsafe(no_mangle)]
pub unsafe extern "C-unwind" fn ces_summary_out(fcinfo: FunctionCallInfo) -> Datum {
    unsafe {
        let (d, model) = open_summary(fcinfo, fmgr::arg(fcinfo, 0).value);
        fmgr::cstring_from(&summary::to_json(&d.header, &d.slots, model))
    }
}

pg_finfo_v1!(pg_finfo_ces_summary_recv);
#[pg_guard]
#[unsafe(no_mangle)]
pub unsafe extern "C-unwind" fn ces_summary_recv(fcinfo: FunctionCallInfo) -> Datum {
    unsafe {
        let bytes = fmgr::recv_bytes(fmgr::arg(fcinfo, 0).value);
        let datum = summary_datum(bytes);
        let (d, model) = open_summary(fcinfo, datum); // validates the format and the model
        if let Err(why) = summary::check_own_window(&d.header, model) {
            raise(CesError::binary(format!("invalid ces_summary: {why}")));
        }
        // stored in canonical form (model text, slot layout), as text input stores it
        summary_datum(&summary::encode(&d.header, &d.slots, &model.body))
    }
}

pg_finfo_v1!(pg_finfo_ces_summary_send);
#[pg_guard]
#[unsafe(no_mangle)]
pub unsafe extern "C-unwind" fn ces_summary_send(fcinfo: FunctionCallInfo) -> Datum {
    unsafe { summary_datum(fmgr::varlena_bytes(fmgr::arg(fcinfo, 0).value)) }
}

pg_finfo_v1!(pg_finfo_ces_summary_score);
#[pg_guard]
#[unsafe(no_mangle)]
pub unsafe extern "C-unwind" fn ces_summary_score(fcinfo: FunctionCallInfo) -> Datum {
    unsafe {
        let (d, model) = open_summary(fcinfo, fmgr::arg(fcinfo, 0).value);
        summary::score(model, &d.slots)
            .into_datum()
            .expect("float8")
    }
}

pg_finfo_v1!(pg_finfo_ces_summary_score_at);
#[pg_guard]
#[unsafe(no_mangle)]
pub unsafe extern "C-unwind" fn ces_summary_score_at(fcinfo: FunctionCallInfo) -> Datum {
    unsafe {
        let (d, model) = open_summary(fcinfo, fmgr::arg(fcinfo, 0).value);
        let as_of = fmgr::arg(fcinfo, 1).value.value() as i64;
        summary::score_at(&d.header, &d.slots, model, as_of)
            .or_raise()
            .into_datum()
            .expect("float8")
    }
}

pg_finfo_v1!(pg_finfo_ces_summary_last_seen);
#[pg_guard]
#[unsafe(no_mangle)]
pub unsafe extern "C-unwind" fn ces_summary_last_seen(fcinfo: FunctionCallInfo) -> Datum {
    unsafe {
        let (d, _) = open_summary(fcinfo, fmgr::arg(fcinfo, 0).value);
        if d.header.last_seen == NO_TS {
            return fmgr::return_null(fcinfo);
        }
        Datum::from(d.header.last_seen)
    }
}

pg_finfo_v1!(pg_finfo_ces_summary_event_count);
#[pg_guard]
#[unsafe(no_mangle)]
pub unsafe extern "C-unwind" fn ces_summary_event_count(fcinfo: FunctionCallInfo) -> Datum {
    unsafe {
        let (d, _) = open_summary(fcinfo, fmgr::arg(fcinfo, 0).value);
        Datum::from(d.header.events)
    }
}

pg_finfo_v1!(pg_finfo_ces_summary_depth);
#[pg_guard]
#[unsafe(no_mangle)]
pub unsafe extern "C-unwind" fn ces_summary_depth(fcinfo: FunctionCallInfo) -> Datum {
    unsafe {
        let (d, _) = open_summary(fcinfo, fmgr::arg(fcinfo, 0).value);
        Datum::from(summary::depth(&d.slots))
    }
}

pg_finfo_v1!(pg_finfo_ces_summary_breakdown);
/// The breakdown as a jsonb array; `ces_breakdown()` in SQL turns it into rows.
#[pg_guard]
#[unsafe(no_mangle)]
pub unsafe extern "C-unwind" fn ces_summary_breakdown(fcinfo: FunctionCallInfo) -> Datum {
    unsafe {
        let (d, model) = open_summary(fcinfo, fmgr::arg(fcinfo, 0).value);
        let rows: Vec<serde_json::Value> = summary::breakdown(&d.header, &d.slots, model)
            .into_iter()
            .map(|r| {
                serde_json::json!({
                    "event": r.event, "events": r.events, "weight": r.weight,
                    "points": r.points, "capped": r.capped
                })
            })
            .collect();
        pgrx::JsonB(serde_json::Value::Array(rows))
            .into_datum()
            .expect("jsonb")
    }
}
