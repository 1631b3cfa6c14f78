//! The shared state across processes and at the end: combine, serialise/deserialise
//! (the state's wire form is the `ces_summary` value) and the finals.

use super::*;

/// The wire form of a state kept in several parts: a marker no summary starts with, the
/// number of parts, then each part's length and summary bytes.
pub(super) const PARTS_MARKER: [u8; 4] = [0xff, b'P', 0, 0];

pub(super) unsafe fn encode_state(h: *mut Header) -> Datum {
    unsafe {
        let body = &model_of(h).body;
        if (*h).next == 0 {
            return Datum::from(fmgr::varlena_from(&summary::encode(&*h, slots(h), body)));
        }
        let parts = parts_of(h);
        let mut out = PARTS_MARKER.to_vec();
        out.extend_from_slice(&(parts.len() as u32).to_le_bytes());
        for p in parts {
            let bytes = summary::encode(&*p, slots(p), body);
            out.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
            out.extend_from_slice(&bytes);
        }
        Datum::from(fmgr::varlena_from(&out))
    }
}

pub(super) fn parse_summary_model(text: &str) -> Result<Model, CesError> {
    parse_model(text).map_err(|e| match e.kind {
        ErrorKind::InvalidParameter => CesError {
            message: format!("invalid ces_summary model: {}", e.message),
            ..e.with_kind(ErrorKind::InvalidBinary)
        },
        _ => e,
    })
}

/// A summary datum decoded, with its model parsed (cached per call site by the model text)
/// and checked against it: the stored value, binary input and the parallel wire format.
pub unsafe fn open_summary<'a>(
    fcinfo: FunctionCallInfo,
    d: Datum,
) -> (summary::Decoded<'a>, &'a Model) {
    unsafe {
        let decoded = summary::decode(fmgr::varlena_bytes(d)).or_raise();
        let model: &Model =
            model_cache::parsed_key(fcinfo, decoded.model_body, parse_summary_model);
        if let Err(why) = summary::check_model(&decoded.header, &decoded.slots, model) {
            raise(CesError::binary(format!("invalid ces_summary: {why}")));
        }
        (decoded, model)
    }
}

v1! {
    "ces_state_combine(internal, internal) RETURNS internal IMMUTABLE PARALLEL SAFE"
    fn ces_state_combine(fcinfo, a, b) {
        if b.isnull {
            return unchanged(fcinfo, a);
        }
        let mut acc = a;
        for p in parts_of(b.value.cast_mut_ptr::<Header>()) {
            acc = pg_sys::NullableDatum {
                value: absorb(fcinfo, acc, &*p, slots(p), model_of(p), "combine"),
                isnull: false,
            };
        }
        acc.value
    }

    "ces_state_serialize(internal) RETURNS bytea IMMUTABLE STRICT PARALLEL SAFE"
    fn ces_state_serialize(fcinfo) {
        encode_state(fmgr::arg(fcinfo, 0).value.cast_mut_ptr::<Header>())
    }

    "ces_state_deserialize(bytea, internal) RETURNS internal IMMUTABLE STRICT PARALLEL SAFE"
    fn ces_state_deserialize(fcinfo) {
        let datum = fmgr::arg(fcinfo, 0).value;
        let bytes = fmgr::varlena_bytes(datum);
        if !bytes.starts_with(&PARTS_MARKER) {
            let (d, model) = open_summary(fcinfo, datum);
            return Datum::from(alloc_state(
                pg_sys::CurrentMemoryContext,
                d.header,
                model,
                Some(&d.slots),
            ));
        }
        let bad = || raise(CesError::binary("invalid partial rollup state"));
        let mut rest = &bytes[PARTS_MARKER.len()..];
        let mut take = |n: usize| -> &[u8] {
            if rest.len() < n {
                bad();
            }
            let (a, b) = rest.split_at(n);
            rest = b;
            a
        };
        let count = u32::from_le_bytes(take(4).try_into().unwrap()) as usize;
        if count == 0 || count > MAX_ROLLUP_RANGES {
            bad();
        }
        let mut parts = Vec::with_capacity(count);
        for _ in 0..count {
            let len = u32::from_le_bytes(take(4).try_into().unwrap()) as usize;
            let d = summary::decode(take(len)).or_raise();
            let model: &Model = model_cache::parsed_key(fcinfo, d.model_body, parse_summary_model);
            if let Err(why) = summary::check_model(&d.header, &d.slots, model) {
                raise(CesError::binary(format!("invalid ces_summary: {why}")));
            }
            parts.push(alloc_state(
                pg_sys::CurrentMemoryContext,
                d.header,
                model,
                Some(&d.slots),
            ));
        }
        if !rest.is_empty() {
            bad();
        }
        Datum::from(link(&parts))
    }

    "ces_state_score(internal) RETURNS double precision IMMUTABLE PARALLEL SAFE"
    fn ces_state_score(fcinfo) {
        let st = fmgr::arg(fcinfo, 0);
        if st.isnull {
            return fmgr::return_null(fcinfo);
        }
        let Some(h) = live_state(st) else {
            return fmgr::f64_datum(0.0); // rows that counted nothing
        };
        with_resolved(h, "scoring", |_, s| summary::score(model_of(h), s))
            .into_datum()
            .expect("float8")
    }

    "ces_state_summary(internal) RETURNS ces_summary IMMUTABLE PARALLEL SAFE"
    fn ces_state_summary(fcinfo) {
        // No summary without a model: NULL also for rows that counted nothing before any
        // model was known (a window's `NOTHING_COUNTED`).
        let Some(h) = live_state(fmgr::arg(fcinfo, 0)) else {
            return fmgr::return_null(fcinfo);
        };
        // A rollup re-anchors to its latest as_of, known only now (see `absorb_apart`).
        with_resolved(h, "rolling up", |hh, s| {
            Datum::from(fmgr::varlena_from(&summary::encode(
                hh,
                s,
                &model_of(h).body,
            )))
        })
    }

    /// `ces_rollup(ces_summary)`: merges summaries of one model, re-anchored to the latest as_of.
    "ces_rollup_trans(internal, ces_summary) RETURNS internal IMMUTABLE PARALLEL SAFE"
    fn ces_rollup_trans(fcinfo, st, s) {
        if s.isnull {
            return unchanged(fcinfo, st);
        }
        let (d, model) = open_summary(fcinfo, s.value);
        absorb(fcinfo, st, &d.header, &d.slots, model, "roll up")
    }
}
