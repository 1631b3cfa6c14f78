//! `ces_score(event, ts, ces_model)`'s own state: a running sum by value when the model scores
//! by row, the shared state otherwise.

use super::*;

// ---------------------------------------------------------------------------------------
// `ces_score(event, ts, ces_model)`: a model whose score is a plain sum of per-row points
// (no caps, a fixed as_of: `summary::scores_by_row`) given as a constant keeps its running
// sum as the state itself, a float8's bits in the `internal` datum (by value, 8 bytes), so
// a row touches no memory outside the hash entry. Any other model uses the palloc'd state
// of `ces_agg`. The two are told apart by the datum: palloc'd pointers are non-zero and
// below 2^52, which as float bits are only +0.0 or positive subnormals; running sums are
// flushed to zero below f64::MIN_POSITIVE (an |x| < 2.2e-308 score prints as 0).
// The choice is made per call site from the constant model, so every worker of a parallel
// plan makes the same one.

/// The model of `ces_score`'s call site and whether it scores by row.
pub struct ScoreModel {
    model: Model,
    anchor: Option<i64>,
    by_row: bool,
    /// No caps: with an as_of argument (`ces_score(event, ts, model, as_of)`) each row's
    /// points depend only on the row and its as_of, so the model scores by row.
    no_caps: bool,
    /// A lookback or a half-life: a row whose as_of argument is NULL is scored at now().
    floating: bool,
    /// The model at each as_of argument seen, for the models that keep a palloc'd state.
    at: std::cell::RefCell<std::collections::HashMap<Option<i64>, Box<Model>>>,
    /// Estimated bytes of `at` (each entry a whole copy of the model), against
    /// `MAX_CACHED_BYTES`.
    at_cost: std::cell::Cell<usize>,
}

pub(super) fn parse_score_model(text: &str) -> Result<ScoreModel, CesError> {
    let model = parse_model(text)?;
    Ok(ScoreModel {
        anchor: summary::row_anchor(&model),
        by_row: summary::scores_by_row(&model),
        no_caps: model.rules.iter().all(|r| r.cap.is_none()),
        floating: model.lookback.is_some() || model.has_decay(),
        at: Default::default(),
        at_cost: Default::default(),
        model,
    })
}

/// `ces_score(event, ts, model, as_of)`: the as_of of each row comes as a fifth argument.
pub(super) const AS_OF_ARG: usize = 4;

#[inline(always)]
pub(super) unsafe fn has_as_of_arg(fcinfo: FunctionCallInfo) -> bool {
    unsafe { (*fcinfo).nargs as usize > AS_OF_ARG }
}

impl ScoreModel {
    /// The anchor of a row scored by row at as_of argument `as_of`: `ces_model_at(model,
    /// as_of)`'s `row_anchor`.
    fn anchor_at(&self, as_of: Option<i64>) -> Option<i64> {
        as_of.or_else(|| self.floating.then(time::now))
    }

    /// The model with its as_of replaced, as `ces_model_at` would make it (kept, since a
    /// state points at it).
    fn at(&self, as_of: Option<i64>) -> &Model {
        let mut at = self.at.borrow_mut();
        if !at.contains_key(&as_of) {
            let cost = ces_core::limits::cached_cost(self.model.body.len());
            if ces_core::limits::cache_full(at.len(), self.at_cost.get(), cost) {
                raise(
                    CesError::limit(format!(
                        "more than {} distinct as_of values in one ces_score call with a capped model (limits: {} values, {} MiB)",
                        at.len(),
                        ces_core::limits::MAX_CACHED_VALUES,
                        ces_core::limits::MAX_CACHED_BYTES >> 20
                    ))
                    .with_hint("each as_of keeps a copy of the model; score fewer groups per query, or use a model without caps"),
                );
            }
            self.at_cost.set(self.at_cost.get() + cost);
            let model = Model {
                as_of,
                ..self.model.clone()
            };
            at.insert(as_of, Box::new(model));
        }
        let m: *const Model = &**at.get(&as_of).expect("inserted");
        // Boxed and never removed while the call site lives.
        unsafe { &*m }
    }
}

#[inline(always)]
pub(super) fn is_sum(d: Datum) -> bool {
    let bits = d.value() as u64;
    bits == 0 || bits >> 52 != 0
}

#[inline(always)]
pub(super) fn sum_datum(x: f64) -> Datum {
    fmgr::f64_datum(if x.abs() < f64::MIN_POSITIVE { 0.0 } else { x })
}

/// The running sum plus the points of the row (`event`, `ts`) at `anchor`.
#[inline(always)]
pub(super) unsafe fn sum_row(
    fcinfo: FunctionCallInfo,
    model: &Model,
    anchor: Option<i64>,
    (event, ts): (Option<&[u8]>, Option<i64>),
) -> Datum {
    unsafe {
        let points = event.and_then(|e| summary::row_points(model, anchor, e, ts));
        sum_datum(fmgr::running_sum(fcinfo) + points.unwrap_or(0.0))
    }
}

guarded! {
    fn score_model_trans_guarded(fcinfo, _st, _event, _ts, m) {
        if m.isnull {
            return null_model(fcinfo, false, true);
        }
        let sm: &ScoreModel =
            model_cache::parsed(fcinfo, MODEL_ARG, m.value, Source::Text, parse_score_model, Retain::All);
        // By row only when every row of the scan has this model (so every group, and every
        // worker of a parallel plan, keeps the same kind of state).
        let whole_scan = model_cache::current::<ScoreModel>(fcinfo, m.value).is_some();
        let (by_row, model, anchor) = if has_as_of_arg(fcinfo) {
            let as_of = fmgr::i64_arg(fcinfo, AS_OF_ARG);
            if sm.no_caps && whole_scan {
                (true, &sm.model, sm.anchor_at(as_of))
            } else {
                (false, sm.at(as_of), None)
            }
        } else {
            (sm.by_row && whole_scan, &sm.model, sm.anchor)
        };
        // A state of the other kind can only come from another model in the same group.
        let st = fmgr::arg(fcinfo, 0);
        if !st.isnull && st.value.value() != NOTHING_COUNTED && is_sum(st.value) != by_row {
            model_changed();
        }
        if by_row {
            sum_row(fcinfo, model, anchor, fmgr::event_ts_args(fcinfo))
        } else {
            trans_with(fcinfo, model)
        }
    }
}

#[cold]
pub(super) fn mixed_states() -> ! {
    pgrx::error!("ces_score: partial states of two kinds cannot be combined")
}

v1! {
    /// The usual row runs outside the pg_guard frame (see `trans_fast`); it reads only the
    /// call site's cache and the row, and calls nothing in PostgreSQL. `sum_row` cannot panic
    /// either: `row_points` indexes with `get`, and the sum is float arithmetic.
    /// Also the transition of `ces_score(event, ts, model, as_of)`, which has a fifth argument.
    "ces_score_model_trans(internal, text, timestamp with time zone, ces_model) RETURNS internal IMMUTABLE PARALLEL SAFE"
    "ces_score_model_trans(internal, text, timestamp with time zone, ces_model, timestamp with time zone) RETURNS internal IMMUTABLE PARALLEL SAFE"
    [raw] fn ces_score_model_trans(fcinfo) {
        let m = fmgr::arg(fcinfo, MODEL_ARG);
        if !m.isnull {
            if let Some(sm) = model_cache::current::<ScoreModel>(fcinfo, m.value) {
                let fast = if has_as_of_arg(fcinfo) {
                    // NULL as_of (now()) and capped models take the guarded path.
                    match (sm.no_caps, fmgr::i64_arg(fcinfo, AS_OF_ARG)) {
                        (true, Some(as_of)) => fmgr::inline_text_arg(fcinfo, 1).map(|e| {
                            sum_row(
                                fcinfo,
                                &sm.model,
                                Some(as_of),
                                (e, fmgr::i64_arg(fcinfo, 2)),
                            )
                        }),
                        _ => None,
                    }
                } else if sm.by_row {
                    fmgr::inline_text_arg(fcinfo, 1).map(|e| {
                        sum_row(fcinfo, &sm.model, sm.anchor, (e, fmgr::i64_arg(fcinfo, 2)))
                    })
                } else {
                    trans_fast_with(fcinfo, &sm.model)
                };
                if let Some(d) = fast {
                    return d;
                }
            }
        }
        score_model_trans_guarded(fcinfo)
    }

    "ces_score_model_combine(internal, internal) RETURNS internal IMMUTABLE PARALLEL SAFE"
    fn ces_score_model_combine(fcinfo) {
        // NOTHING_COUNTED (rows without a model) adds nothing to either kind of state: it
        // is read as NULL, and is the result only when both sides are nothing.
        let nothing = nothing_as_null(fcinfo, 0) | nothing_as_null(fcinfo, 1);
        let a = fmgr::arg(fcinfo, 0);
        let b = fmgr::arg(fcinfo, 1);
        if nothing && a.isnull && b.isnull {
            return Datum::from(NOTHING_COUNTED);
        }
        let sum_a = !a.isnull && is_sum(a.value);
        let sum_b = !b.isnull && is_sum(b.value);
        if !sum_a && !sum_b {
            return ces_state_combine(fcinfo); // palloc'd states, or NULLs
        }
        if (!a.isnull && !sum_a) || (!b.isnull && !sum_b) {
            mixed_states();
        }
        match (a.isnull, b.isnull) {
            (true, _) => b.value,
            (_, true) => a.value,
            _ => sum_datum(fmgr::f64_of(a.value) + fmgr::f64_of(b.value)),
        }
    }

    /// A running sum travels as its 8 bytes; a palloc'd state as its summary (never 8 bytes).
    "ces_score_model_serialize(internal) RETURNS bytea IMMUTABLE STRICT PARALLEL SAFE"
    fn ces_score_model_serialize(fcinfo) {
        let st = fmgr::arg(fcinfo, 0).value;
        if is_sum(st) {
            Datum::from(fmgr::varlena_from(&fmgr::f64_of(st).to_le_bytes()))
        } else {
            ces_state_serialize(fcinfo)
        }
    }

    "ces_score_model_deserialize(bytea, internal) RETURNS internal IMMUTABLE STRICT PARALLEL SAFE"
    fn ces_score_model_deserialize(fcinfo) {
        let bytes = fmgr::varlena_bytes(fmgr::arg(fcinfo, 0).value);
        match <[u8; 8]>::try_from(bytes) {
            Ok(b) => sum_datum(f64::from_le_bytes(b)),
            Err(_) => ces_state_deserialize(fcinfo),
        }
    }

    "ces_score_model_final(internal) RETURNS double precision IMMUTABLE PARALLEL SAFE"
    fn ces_score_model_final(fcinfo) {
        let st = fmgr::arg(fcinfo, 0);
        if !st.isnull && is_sum(st.value) {
            return fmgr::f64_of(st.value).into_datum().expect("float8");
        }
        ces_state_score(fcinfo)
    }
}
