//! The `ces_model` type: a validated scoring model stored as its canonical JSON text.
//! Input accepts a full model or a bare weights object, so an uncast literal such as
//! '{"login":1}' works wherever a model is expected.

use crate::error::raise;
use crate::error::OrRaise;
use crate::fmgr::{self, pg_finfo_v1};
use crate::model_cache;
use crate::time::{interval_micros, PgTime};
use ces_core::time::{TS_INFINITY, TS_NEG_INFINITY};
use ces_core::{CesError, Model};
use pgrx::pg_sys::{Datum, FunctionCallInfo};
use pgrx::{pg_guard, FromDatum};

pub fn parse_model(text: &str) -> Result<Model, CesError> {
    Model::parse_json(text, &PgTime)
}

unsafe fn model_datum(m: &Model) -> Datum {
    unsafe { Datum::from(fmgr::varlena_from(m.to_json().as_bytes())) }
}

pg_finfo_v1!(pg_finfo_ces_model_in);
/// Reads a model's JSON, or, for text that is not JSON, the latest version of the model of
/// that name in the registry: `ces_model('health')` with an untyped literal is a cast to
/// this type, and `ces_score(event, ts, 'health')` should work too.
#[pg_guard]
#[unsafe(no_mangle)]
pub unsafe extern "C-unwind" fn ces_model_in(fcinfo: FunctionCallInfo) -> Datum {
    unsafe {
        let text = fmgr::cstring_arg(fmgr::arg(fcinfo, 0).value);
        // Only a name is looked up: anything else, such as '{"login":1,}', is a model whose
        // JSON error is the one to report (22023), not "model does not exist".
        if !is_model_name(text) || serde_json::from_str::<serde::de::IgnoredAny>(text).is_ok() {
            let model = parse_model(text).map_err(|e| {
                if e.hint.is_none() && !text.trim_start().starts_with(['{', '[']) {
                    e.with_hint("a model is JSON, or the name of a published model: a letter or _, then letters, digits, _, - or .")
                } else {
                    e
                }
            });
            return model_datum(&model.or_raise());
        }
        let canonical = registry_lookup(fcinfo, text);
        model_datum(&parse_model(&canonical).or_raise())
    }
}

/// A registry name, as `ces_define_model` accepts it: an ASCII letter or `_`, then letters,
/// digits, `_`, `-` or `.`, at most 63 bytes.
pub fn is_model_name(text: &str) -> bool {
    let b = text.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && (b[0].is_ascii_alphabetic() || b[0] == b'_')
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.'))
}

/// The canonical text of the latest version of model `name`; 42704 with the known names
/// when there is none.
unsafe fn registry_lookup(fcinfo: FunctionCallInfo, name: &str) -> String {
    unsafe {
        match crate::model_named::lookup(fcinfo, name.into(), None) {
            Some(bytes) => fmgr::utf8(&bytes, "ces_model").to_owned(),
            None => crate::model_named::missing(fcinfo, name.into(), None),
        }
    }
}

pg_finfo_v1!(pg_finfo_ces_model_out);
#[pg_guard]
#[unsafe(no_mangle)]
pub unsafe extern "C-unwind" fn ces_model_out(fcinfo: FunctionCallInfo) -> Datum {
    unsafe {
        // Stored text is UTF-8 (input and receive check it); never print a substitute.
        let bytes = fmgr::varlena_bytes(fmgr::arg(fcinfo, 0).value);
        fmgr::cstring_from(fmgr::utf8(bytes, "ces_model"))
    }
}

pg_finfo_v1!(pg_finfo_ces_model_recv);
#[pg_guard]
#[unsafe(no_mangle)]
pub unsafe extern "C-unwind" fn ces_model_recv(fcinfo: FunctionCallInfo) -> Datum {
    unsafe {
        let bytes = fmgr::recv_bytes(fmgr::arg(fcinfo, 0).value);
        let text = fmgr::utf8(bytes, "ces_model binary input");
        model_datum(&parse_model(text).or_raise())
    }
}

pg_finfo_v1!(pg_finfo_ces_model_send);
#[pg_guard]
#[unsafe(no_mangle)]
pub unsafe extern "C-unwind" fn ces_model_send(fcinfo: FunctionCallInfo) -> Datum {
    unsafe {
        Datum::from(fmgr::varlena_from(fmgr::varlena_bytes(
            fmgr::arg(fcinfo, 0).value,
        )))
    }
}

pg_finfo_v1!(pg_finfo_ces_model_make);
/// `ces_model(weights jsonb, half_life interval, lookback interval, as_of timestamptz)`.
/// NULL weights give NULL; NULL options mean "not set". Built once per distinct input at a
/// call site, so `as_of => now()` (not a plan-time constant) costs nothing per row.
#[pg_guard]
#[unsafe(no_mangle)]
pub unsafe extern "C-unwind" fn ces_model_make(fcinfo: FunctionCallInfo) -> Datum {
    unsafe {
        let weights = fmgr::arg(fcinfo, 0);
        if weights.isnull {
            return fmgr::return_null(fcinfo);
        }
        // The options' bytes, each behind a presence byte, and the weights' bytes.
        let jsonb = fmgr::varlena_bytes(weights.value);
        let mut key = [0u8; 43];
        for (i, at) in [(1, 0), (2, 17)] {
            let a = fmgr::arg(fcinfo, i);
            if !a.isnull {
                let iv = &*a.value.cast_mut_ptr::<pgrx::pg_sys::Interval>();
                key[at] = 1;
                key[at + 1..at + 9].copy_from_slice(&iv.time.to_le_bytes());
                key[at + 9..at + 13].copy_from_slice(&iv.day.to_le_bytes());
                key[at + 13..at + 17].copy_from_slice(&iv.month.to_le_bytes());
            }
        }
        let as_of = fmgr::i64_arg(fcinfo, 3);
        if let Some(t) = as_of {
            key[34] = 1;
            key[35..43].copy_from_slice(&t.to_le_bytes());
        }
        model_cache::memo(fcinfo, &key, jsonb, || {
            let interval = |i: usize| -> Option<i64> {
                let a = fmgr::arg(fcinfo, i);
                if a.isnull {
                    return None;
                }
                let iv =
                    pgrx::datum::Interval::from_datum(a.value, false).expect("non-null interval");
                Some(interval_micros(&iv).map_err(CesError::invalid).or_raise())
            };
            let half_life = interval(1);
            let lookback = interval(2);
            // Valid jsonb, but serde_json refuses nesting deeper than 128 levels: 22023, not a panic.
            let json: serde_json::Value =
                serde_json::from_str(&fmgr::jsonb_text(weights.value, "weights"))
                    .map_err(|e| CesError::invalid(format!("invalid weights: {e}")))
                    .or_raise();
            let model = Model::build(&json, half_life, lookback, as_of, &PgTime).or_raise();
            model.to_json().into_bytes()
        })
    }
}

pg_finfo_v1!(pg_finfo_ces_model_at);
/// `ces_model_at(model, as_of)`: the model with its as_of set, or cleared for NULL. Built
/// once per distinct input at a call site (`model_cache::memo`), by splicing the canonical
/// text when it can be (no parse: one as_of per row stays cheap). A repeated input is
/// answered outside the pg_guard frame (it reads the cache and the arguments only).
#[unsafe(no_mangle)]
pub unsafe extern "C-unwind" fn ces_model_at(fcinfo: FunctionCallInfo) -> Datum {
    unsafe {
        let m = fmgr::arg(fcinfo, 0);
        if !m.isnull {
            if let Some(bytes) = fmgr::varlena_inline(m.value) {
                if let Some(d) = model_cache::memo_hit(fcinfo, &as_of_head(fcinfo), bytes) {
                    return d;
                }
            }
        }
        model_at_guarded(fcinfo)
    }
}

/// `ces_model_at`'s as_of argument as the fixed part of its memo key.
#[inline(always)]
unsafe fn as_of_head(fcinfo: FunctionCallInfo) -> [u8; 9] {
    unsafe {
        fmgr::i64_arg(fcinfo, 1).map_or([0; 9], |t| {
            let mut k = [1; 9];
            k[1..].copy_from_slice(&t.to_le_bytes());
            k
        })
    }
}

#[pg_guard]
#[inline(never)]
unsafe extern "C-unwind" fn model_at_guarded(fcinfo: FunctionCallInfo) -> Datum {
    unsafe {
        let m = fmgr::arg(fcinfo, 0);
        if m.isnull {
            return fmgr::return_null(fcinfo);
        }
        let as_of = fmgr::i64_arg(fcinfo, 1);
        if as_of.is_some_and(|t| t == TS_INFINITY || t == TS_NEG_INFINITY) {
            raise(
                CesError::invalid("model as_of must be finite, got infinity")
                    .with_hint("leave as_of NULL to score at now()"),
            );
        }
        let bytes = fmgr::varlena_bytes(m.value);
        model_cache::memo(fcinfo, &as_of_head(fcinfo), bytes, || {
            let text = fmgr::utf8(bytes, "ces_model");
            ces_core::model::with_as_of(text, as_of)
                .unwrap_or_else(|| {
                    Model {
                        as_of,
                        ..parse_model(text).or_raise()
                    }
                    .to_json()
                })
                .into_bytes()
        })
    }
}
