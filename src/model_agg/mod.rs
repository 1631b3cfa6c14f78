//! Model scoring aggregates: `ces_score(event, ts, ces_model)`, `ces_agg(...)` returning a
//! `ces_summary`, `ces_rollup(ces_summary)`, and the moving-window (inverse) functions.
//! They share one state: a palloc'd block of a `summary::Header` and one `Slot` per weighted
//! event type, pointing at its parsed model (kept alive by the call site's cache). The state's
//! binary form is the `ces_summary` value, so parallel serialisation and summaries are one code path.
//!
//! `agg`: the row transitions (plain, moving-window inverse) and the merge of two states;
//! `rollup`: `ces_rollup`'s parts kept apart under a lookback; `state`: combine, the wire
//! form and the finals; `score`: `ces_score(model)`'s running-sum state.

pub(crate) mod agg;
mod rollup;
pub(crate) mod score;
pub(crate) mod state;

pub use state::open_summary;
#[allow(unused_imports)]
use {agg::*, rollup::*, score::*, state::*};

use crate::error::{raise, OrRaise};
use crate::fmgr;
use crate::model_cache::{self, Retain, Source};
use crate::model_type::parse_model;
use crate::time;
use crate::v1::{guarded, v1};
use ces_core::error::ErrorKind;
use ces_core::limits::MAX_ROLLUP_RANGES;
use ces_core::summary::{self, Header, Slot, Window, HEADER_BYTES, SLOT_BYTES};
use ces_core::{CesError, Model, Weights};
use pgrx::pg_guard;
use pgrx::pg_sys::{self, Datum, FunctionCallInfo};
use pgrx::IntoDatum;

pub(super) const MODEL_ARG: usize = 3;

#[inline(always)]
pub unsafe fn slots<'a>(h: *mut Header) -> &'a mut [Slot] {
    unsafe {
        std::slice::from_raw_parts_mut(
            (h as *mut u8).add(HEADER_BYTES) as *mut Slot,
            (*h).nslots as usize,
        )
    }
}

#[inline(always)]
pub unsafe fn model_of<'a>(h: *const Header) -> &'a Model {
    unsafe { &*((*h).model as *const Model) }
}

/// A state block in memory context `ctx`, initialised from `header` and `src` slots (or zeros).
pub(super) unsafe fn alloc_state(
    ctx: pg_sys::MemoryContext,
    header: Header,
    model: &Model,
    src: Option<&[Slot]>,
) -> *mut Header {
    unsafe {
        let n = header.nslots as usize;
        let h = pg_sys::MemoryContextAllocZero(ctx, HEADER_BYTES + n * SLOT_BYTES) as *mut Header;
        if is_sum(Datum::from(h)) {
            // ces_score(model) tells its states from running sums by this (see `is_sum`);
            // user-space addresses are below 2^48 on the platforms PostgreSQL runs on.
            pgrx::error!("ces: state allocated at an address above 2^52");
        }
        *h = Header {
            model: model as *const Model as usize,
            ..header
        };
        if let Some(src) = src {
            slots(h).copy_from_slice(src);
        }
        h
    }
}

pub(super) fn parse_weights_model(text: &str) -> Result<Model, CesError> {
    Weights::parse_json(text).map(Model::from_weights)
}

/// The model of this row: a `ces_model` argument, or jsonb weights turned into a model.
#[inline(always)]
pub(super) unsafe fn row_model<'a>(fcinfo: FunctionCallInfo, jsonb: bool) -> Option<&'a Model> {
    unsafe {
        let m = fmgr::arg(fcinfo, MODEL_ARG);
        if m.isnull {
            return None;
        }
        Some(if jsonb {
            model_cache::parsed(
                fcinfo,
                MODEL_ARG,
                m.value,
                Source::Jsonb("weights"),
                parse_weights_model,
                Retain::All,
            )
        } else {
            model_cache::parsed(
                fcinfo,
                MODEL_ARG,
                m.value,
                Source::Text,
                parse_model,
                Retain::All,
            )
        })
    }
}

/// The same model: one cache entry, or equal text (the inverse function has its own cache).
#[inline(always)]
pub(super) unsafe fn same_model(h: *const Header, model: &Model) -> bool {
    unsafe {
        (*h).model == model as *const Model as usize || {
            let m = model_of(h);
            m.body == model.body && m.as_of == model.as_of
        }
    }
}

#[cold]
pub(super) fn model_changed() -> ! {
    raise(
        CesError::invalid("every row of a group must use the same model")
            .with_hint("score groups with different models in separate aggregates, or join the model per group"),
    )
}

/// A transition's state passed on unchanged (a NULL state stays NULL).
pub(super) unsafe fn unchanged(fcinfo: FunctionCallInfo, st: pg_sys::NullableDatum) -> Datum {
    unsafe {
        if st.isnull {
            fmgr::return_null(fcinfo)
        } else {
            st.value
        }
    }
}
