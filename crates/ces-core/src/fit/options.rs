//! The `options` of `ces_fit_model` / `ces_fit_report`: candidate half-lives, folds, L2
//! strength, a fixed half-life, a lookback and a baseline model. Unknown keys and bad
//! values raise 22023 naming them; too many candidates raise 54000.

use crate::error::{describe, CesError};
use crate::limits::{MAX_FIT_CANDIDATES, MAX_FIT_FOLDS};
use crate::time::{TimeParser, USECS_PER_DAY};
use serde_json::Value;

#[derive(Debug, Clone)]
pub struct FitOptions {
    /// Half-lives compared by cross-validation (microseconds; None = no decay), deduplicated.
    pub candidates: Vec<Option<i64>>,
    pub k: usize,
    pub l2: f64,
    pub lookback: Option<i64>,
    /// The model to compare against (`baseline_auc`): a model's JSON or a registered name.
    pub baseline: Option<Value>,
}

pub const OPTION_KEYS: [&str; 6] = ["candidates", "k", "l2", "half_life", "lookback", "baseline"];
pub const DEFAULT_CANDIDATE_DAYS: [i64; 6] = [7, 14, 30, 60, 90, 180];
pub const DEFAULT_K: usize = 5;
pub const DEFAULT_L2: f64 = 1.0;

impl Default for FitOptions {
    fn default() -> Self {
        let mut candidates = vec![None];
        candidates.extend(
            DEFAULT_CANDIDATE_DAYS
                .iter()
                .map(|d| Some(d * USECS_PER_DAY)),
        );
        FitOptions {
            candidates,
            k: DEFAULT_K,
            l2: DEFAULT_L2,
            lookback: None,
            baseline: None,
        }
    }
}

impl FitOptions {
    pub fn parse(text: &str, tp: &dyn TimeParser) -> Result<FitOptions, CesError> {
        let value: Value = serde_json::from_str(text)
            .map_err(|e| CesError::invalid(format!("options are not valid JSON: {e}")))?;
        FitOptions::from_value(&value, tp)
    }

    pub fn from_value(value: &Value, tp: &dyn TimeParser) -> Result<FitOptions, CesError> {
        let obj = match value {
            Value::Null => return Ok(FitOptions::default()),
            Value::Object(o) => o,
            other => {
                return Err(CesError::invalid(format!(
                    "options must be a JSON object, got {}",
                    describe(other)
                )))
            }
        };
        if let Some(key) = obj.keys().find(|k| !OPTION_KEYS.contains(&k.as_str())) {
            return Err(
                CesError::invalid(format!("options have unknown key \"{key}\"")).with_hint(
                    "the keys are \"candidates\", \"k\", \"l2\", \"half_life\", \"lookback\" and \"baseline\"",
                ),
            );
        }
        let mut o = FitOptions::default();
        if obj.contains_key("candidates") && obj.contains_key("half_life") {
            return Err(CesError::invalid(
                "options \"candidates\" and \"half_life\" exclude each other",
            )
            .with_hint(
                "\"half_life\" fixes the half-life; \"candidates\" lists those to compare",
            ));
        }
        if let Some(v) = obj.get("candidates") {
            let items = v.as_array().ok_or_else(|| {
                CesError::invalid(format!(
                    "options.candidates must be an array of half-lives such as [\"7 days\", null], got {}",
                    describe(v)
                ))
            })?;
            if items.is_empty() {
                return Err(CesError::invalid("options.candidates must not be empty"));
            }
            if items.len() > MAX_FIT_CANDIDATES {
                return Err(CesError::limit(format!(
                    "options.candidates has {} half-lives, more than the limit of {MAX_FIT_CANDIDATES}",
                    items.len()
                )));
            }
            o.candidates.clear();
            for item in items {
                let h = half_life(item, "options.candidates", tp)?;
                if !o.candidates.contains(&h) {
                    o.candidates.push(h);
                }
            }
        }
        if let Some(v) = obj.get("half_life") {
            o.candidates = vec![half_life(v, "options.half_life", tp)?];
        }
        if let Some(v) = obj.get("k") {
            let k = v
                .as_u64()
                .filter(|k| (2..=MAX_FIT_FOLDS as u64).contains(k));
            o.k = k.ok_or_else(|| {
                CesError::invalid(format!(
                    "options.k must be an integer from 2 to {MAX_FIT_FOLDS}, got {}",
                    describe(v)
                ))
            })? as usize;
        }
        if let Some(v) = obj.get("l2") {
            let l2 = v
                .as_f64()
                .filter(|x| x.is_finite() && *x > 0.0 && *x <= 1e12);
            o.l2 = l2.ok_or_else(|| {
                CesError::invalid(format!(
                    "options.l2 must be a positive number (at most 1e12), got {}",
                    describe(v)
                ))
            })?;
        }
        match obj.get("lookback") {
            None | Some(Value::Null) => {}
            Some(Value::String(s)) => {
                o.lookback = Some(crate::model::parse_duration(s, "options.lookback", tp)?)
            }
            Some(v) => {
                return Err(CesError::invalid(format!(
                    "options.lookback must be interval text such as \"90 days\", got {}",
                    describe(v)
                )))
            }
        }
        match obj.get("baseline") {
            None | Some(Value::Null) => {}
            Some(v @ (Value::Object(_) | Value::String(_))) => o.baseline = Some(v.clone()),
            Some(v) => {
                return Err(CesError::invalid(format!(
                    "options.baseline must be a model (a JSON object) or a model's name, got {}",
                    describe(v)
                )))
            }
        }
        Ok(o)
    }
}

/// A half-life: interval text, or null / "none" for no decay.
fn half_life(v: &Value, what: &str, tp: &dyn TimeParser) -> Result<Option<i64>, CesError> {
    match v {
        Value::Null => Ok(None),
        Value::String(s) if s.trim().eq_ignore_ascii_case("none") => Ok(None),
        Value::String(s) => Ok(Some(crate::model::parse_duration(s, what, tp)?)),
        other => Err(CesError::invalid(format!(
            "{what}: a half-life is interval text such as \"14 days\", or null for none, got {}",
            describe(other)
        ))),
    }
}
