//! Fitted weights: a transparent model learnt from outcomes. The events are read once into
//! `Features` (decayed counts per account and event type under every candidate half-life),
//! the half-life is chosen by cross-validated AUC, and the L2-regularised logistic
//! coefficients become readable points (see `points`).

pub mod cv;
pub mod features;
pub mod options;
pub mod points;
pub mod solver;

pub use features::Features;
pub use options::FitOptions;

use crate::error::CesError;
use crate::time::format_interval;
use serde_json::{Map, Value};

/// One event type's line of the report.
#[derive(Debug, Clone)]
pub struct EventFit {
    pub event: String,
    /// Points in the fitted model (0 when dropped).
    pub points: f64,
    pub coef: f64,
    pub std_error: f64,
    /// Accounts with at least one counted event of this type.
    pub accounts: usize,
    /// |coef| ≥ 2 standard errors: the weight is distinguishable from 0.
    pub kept: bool,
}

#[derive(Debug, Clone)]
pub struct FitReport {
    pub events: Vec<EventFit>,
    pub half_life: Option<i64>,
    pub lookback: Option<i64>,
    /// Mean held-out AUC of each candidate half-life, in candidate order.
    pub candidates: Vec<(Option<i64>, f64)>,
    pub cv_auc: f64,
    /// AUC of every event type weighted 1 (same half-life), over all labelled accounts.
    pub equal_weights_auc: f64,
    pub baseline_auc: Option<f64>,
    /// Points per unit of the linear score (the 95th-percentile account scores 100).
    pub scale: f64,
    pub intercept: f64,
    pub accounts: usize,
    pub positives: usize,
}

/// Fits every candidate half-life by cross-validation, then the best on all accounts.
/// `progress` receives a line per stage (the caller decides whether to show it).
pub fn fit(
    f: &Features,
    opts: &FitOptions,
    progress: &mut dyn FnMut(String),
) -> Result<FitReport, CesError> {
    let p = f.types.len();
    if p == 0 {
        return Err(CesError::invalid(format!(
            "no event of the {} labelled accounts counts: nothing to fit",
            f.len()
        ))
        .with_hint(
            "check that the account columns hold the same ids and that events lie up to as_of (and within the lookback)",
        ));
    }
    let y = &f.outcome;
    let fold = cv::folds(&f.accounts, opts.k);
    let mut candidates = Vec::with_capacity(f.candidates.len());
    let mut best = 0;
    let mut start = None;
    let mut chosen = None;
    for (c, h) in f.candidates.iter().enumerate() {
        let x = f.matrix(c);
        let d = solver::Design::new(&x, p);
        let a = cv::cross_validate(&d, y, &fold, opts.k, opts.l2, &mut start)?;
        progress(format!(
            "half-life {}: cross-validated AUC {:.4}",
            half_life_text(*h),
            a
        ));
        if chosen.is_none()
            || a > candidates
                .get(best)
                .map_or(f64::NEG_INFINITY, |b: &(Option<i64>, f64)| b.1)
        {
            best = c;
            chosen = Some((x, d));
        }
        candidates.push((*h, a));
    }
    let (x, d) = chosen.expect("at least one candidate");
    let cv_auc = candidates[best].1;
    let all: Vec<usize> = (0..y.len()).collect();
    let m = solver::fit(&d, y, &all, opts.l2, start.as_deref())?;
    let kept: Vec<bool> = (0..p)
        .map(|j| m.se[j].is_finite() && m.coef[j].abs() >= 2.0 * m.se[j] && m.coef[j] != 0.0)
        .collect();
    let kept_coef: Vec<f64> = (0..p)
        .map(|j| if kept[j] { m.coef[j] } else { 0.0 })
        .collect();
    let lin: Vec<f64> = all
        .iter()
        .map(|&r| cv::linear(&x, p, r, &kept_coef))
        .collect();
    let scale = points::scale(&lin);
    let ones = vec![1.0; p];
    let equal_weights_auc =
        cv::auc_of(all.iter().map(|&r| (cv::linear(&x, p, r, &ones), y[r]))).unwrap_or(f64::NAN);
    let baseline_auc = f
        .baseline_scores()
        .and_then(|s| cv::auc_of(s.iter().copied().zip(y.iter().copied())));
    let mut events = Vec::with_capacity(p);
    for (j, name) in f.types.iter().enumerate() {
        let event = String::from_utf8(name.clone()).map_err(|_| {
            CesError::encoding(format!(
                "event name {} is not valid UTF-8",
                String::from_utf8_lossy(name)
            ))
        })?;
        events.push(EventFit {
            event,
            points: if kept[j] {
                points::round2(scale * m.coef[j])
            } else {
                0.0
            },
            coef: m.coef[j],
            std_error: m.se[j],
            accounts: f.accounts_with(j),
            kept: kept[j],
        });
    }
    Ok(FitReport {
        events,
        half_life: candidates[best].0,
        lookback: opts.lookback,
        candidates,
        cv_auc,
        equal_weights_auc,
        baseline_auc,
        scale,
        intercept: m.intercept,
        accounts: y.len(),
        positives: y.iter().filter(|&&o| o).count(),
    })
}

pub fn half_life_text(h: Option<i64>) -> String {
    h.map_or_else(|| "none".to_string(), format_interval)
}

fn finite(x: f64) -> Value {
    serde_json::Number::from_f64(x)
        .map(Value::Number)
        .unwrap_or(Value::Null)
}

impl FitReport {
    /// Raises 22003 when a kept weight is beyond what a model holds (`MAX_WEIGHT`): decayed
    /// counts are tiny when the events are many half-lives older than as_of, and the points
    /// that scale them to 100 are then huge.
    pub fn check_weights(&self) -> Result<(), CesError> {
        let limit = crate::limits::MAX_WEIGHT;
        match self.events.iter().find(|e| e.kept && (e.points.is_nan() || e.points.abs() > limit)) {
            None => Ok(()),
            Some(e) => Err(CesError::out_of_range(format!(
                "the fitted weight of event \"{}\" is {:e} points at half-life {}, beyond the ±{limit:e} a model holds: the events are many half-lives older than as_of",
                e.event,
                e.points,
                half_life_text(self.half_life)
            ))
            .with_hint("give longer half-lives (options.candidates), or an as_of nearer the events")),
        }
    }

    /// The fitted model's JSON: the kept event types' points, the half-life and lookback
    /// (no as_of, so it scores at any instant like any published model).
    pub fn model_json(&self) -> Value {
        let mut w = Map::new();
        for e in self.events.iter().filter(|e| e.kept) {
            w.insert(e.event.clone(), finite(e.points));
        }
        Value::Object(crate::model::model_object(w, self.half_life, self.lookback))
    }

    /// The report as a JSON array, one object per event type with the summary repeated.
    pub fn rows_json(&self) -> Value {
        let rows = self
            .events
            .iter()
            .map(|e| {
                let mut o = Map::new();
                o.insert("event".into(), Value::String(e.event.clone()));
                o.insert("points".into(), finite(e.points));
                o.insert("coef".into(), finite(e.coef));
                o.insert("std_error".into(), finite(e.std_error));
                o.insert("accounts".into(), Value::from(e.accounts as u64));
                o.insert("kept".into(), Value::Bool(e.kept));
                o.insert(
                    "half_life".into(),
                    self.half_life
                        .map_or(Value::Null, |h| Value::String(format_interval(h))),
                );
                o.insert("cv_auc".into(), finite(self.cv_auc));
                o.insert("equal_weights_auc".into(), finite(self.equal_weights_auc));
                o.insert(
                    "baseline_auc".into(),
                    self.baseline_auc.map_or(Value::Null, finite),
                );
                o.insert("scale".into(), finite(self.scale));
                Value::Object(o)
            })
            .collect();
        Value::Array(rows)
    }
}

#[cfg(test)]
mod tests;
