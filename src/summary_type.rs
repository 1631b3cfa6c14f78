//! The `ces_summary` type (binary payload from `ces_core::summary::encode`, readable JSON
//! text form) and its accessors: ces_score, ces_score_at, ces_breakdown, ces_last_seen,
//! ces_event_count and ces_depth.

use crate::error::{raise, OrRaise};
use crate::fmgr;
use crate::model_agg::open_summary;
use crate::time::PgTime;
use crate::v1::v1;
use ces_core::summary::{self, NO_TS};
use ces_core::CesError;
use pgrx::pg_sys::Datum;
use pgrx::IntoDatum;

unsafe fn summary_datum(bytes: &[u8]) -> Datum {
    unsafe { Datum::from(fmgr::varlena_from(bytes)) }
}

v1! {
    "ces_summary_in(cstring) RETURNS ces_summary STABLE STRICT PARALLEL SAFE"
    fn ces_summary_in(fcinfo, text) {
        let text = fmgr::cstring_arg(text.value);
        let (model, header, slots) = summary::from_json(text, &PgTime).or_raise();
        summary_datum(&summary::encode(&header, &slots, &model.body))
    }

    "ces_summary_out(ces_summary) RETURNS cstring IMMUTABLE STRICT PARALLEL SAFE"
    fn ces_summary_out(fcinfo, s) {
        let (d, model) = open_summary(fcinfo, s.value);
        fmgr::cstring_from(&summary::to_json(&d.header, &d.slots, model))
    }

    "ces_summary_recv(internal) RETURNS ces_summary IMMUTABLE STRICT PARALLEL SAFE"
    fn ces_summary_recv(fcinfo, buf) {
        let datum = summary_datum(fmgr::recv_bytes(buf.value));
        let (d, model) = open_summary(fcinfo, datum); // validates the format and the model
        if let Err(why) = summary::check_own_window(&d.header, model) {
            raise(CesError::binary(format!("invalid ces_summary: {why}")));
        }
        // stored in canonical form (model text, slot layout), as text input stores it
        summary_datum(&summary::encode(&d.header, &d.slots, &model.body))
    }

    "ces_summary_send(ces_summary) RETURNS bytea IMMUTABLE STRICT PARALLEL SAFE"
    fn ces_summary_send(fcinfo, s) {
        summary_datum(fmgr::varlena_bytes(s.value))
    }

    "ces_score(ces_summary) RETURNS double precision IMMUTABLE STRICT PARALLEL SAFE"
    fn ces_summary_score(fcinfo, s) {
        let (d, model) = open_summary(fcinfo, s.value);
        fmgr::f64_datum(summary::score(model, &d.slots))
    }

    "ces_score_at(ces_summary, timestamp with time zone) RETURNS double precision IMMUTABLE STRICT PARALLEL SAFE"
    fn ces_summary_score_at(fcinfo, s, as_of) {
        let (d, model) = open_summary(fcinfo, s.value);
        let score = summary::score_at(&d.header, &d.slots, model, as_of.value.value() as i64);
        fmgr::f64_datum(score.or_raise())
    }

    "ces_last_seen(ces_summary) RETURNS timestamp with time zone IMMUTABLE STRICT PARALLEL SAFE"
    fn ces_summary_last_seen(fcinfo, s) {
        match open_summary(fcinfo, s.value).0.header.last_seen {
            NO_TS => fmgr::return_null(fcinfo),
            t => Datum::from(t),
        }
    }

    "ces_event_count(ces_summary) RETURNS bigint IMMUTABLE STRICT PARALLEL SAFE"
    fn ces_summary_event_count(fcinfo, s) {
        Datum::from(open_summary(fcinfo, s.value).0.header.events)
    }

    "ces_depth(ces_summary) RETURNS integer IMMUTABLE STRICT PARALLEL SAFE"
    fn ces_summary_depth(fcinfo, s) {
        Datum::from(summary::depth(&open_summary(fcinfo, s.value).0.slots))
    }

    /// The breakdown as a jsonb array; `ces_breakdown()` in SQL turns it into rows.
    "ces_summary_breakdown(ces_summary) RETURNS jsonb IMMUTABLE STRICT PARALLEL SAFE"
    fn ces_summary_breakdown(fcinfo, s) {
        let (d, model) = open_summary(fcinfo, s.value);
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
