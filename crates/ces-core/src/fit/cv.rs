//! Deterministic k-fold cross-validation: an account's fold is a hash of its key, so the
//! same accounts give the same folds whatever order they are read in. A candidate's score
//! is the mean AUC over the folds that hold both outcomes.

use super::features::fnv;
use super::solver;
use crate::backtest::auc;
use crate::error::CesError;
use crate::interrupt::Ticker;

/// Fold of each account: FNV-1a of its key, modulo `k`.
pub fn folds(accounts: &[Vec<u8>], k: usize) -> Vec<usize> {
    accounts
        .iter()
        .map(|a| (fnv(a) % k as u64) as usize)
        .collect()
}

/// AUC of `scores` against `y` over `rows`; None when a class is missing.
pub fn auc_of(scores: impl Iterator<Item = (f64, bool)>) -> Option<f64> {
    let (mut pos, mut neg) = (Vec::new(), Vec::new());
    let mut ticker = Ticker::default();
    for (s, o) in scores {
        ticker.tick();
        if o {
            pos.push(s)
        } else {
            neg.push(s)
        }
    }
    auc(&mut pos, &mut neg)
}

/// Linear score (without intercept) of row `r`.
#[inline]
pub fn linear(x: &[f64], p: usize, r: usize, coef: &[f64]) -> f64 {
    x[r * p..(r + 1) * p]
        .iter()
        .zip(coef)
        .map(|(a, b)| a * b)
        .sum()
}

/// Mean held-out AUC of the fit over `k` folds; each fold starts from the previous one's
/// solution (`start`, then updated), which saves Newton steps.
pub fn cross_validate(
    d: &solver::Design,
    y: &[bool],
    fold: &[usize],
    k: usize,
    l2: f64,
    start: &mut Option<Vec<f64>>,
) -> Result<f64, CesError> {
    let (mut sum, mut used) = (0.0, 0);
    for f in 0..k {
        let train: Vec<usize> = (0..y.len()).filter(|&r| fold[r] != f).collect();
        let test: Vec<usize> = (0..y.len()).filter(|&r| fold[r] == f).collect();
        if test.is_empty() || !train.iter().any(|&r| y[r]) || !train.iter().any(|&r| !y[r]) {
            continue;
        }
        let m = solver::fit_to(d, y, &train, l2, start.as_deref(), 1e-4)?;
        if let Some(a) = auc_of(test.iter().map(|&r| (d.eta(r, &m.beta), y[r]))) {
            sum += a;
            used += 1;
        }
        *start = Some(m.beta);
    }
    if used == 0 {
        return Err(CesError::invalid(
            "no cross-validation fold holds both outcomes; lower options.k",
        ));
    }
    Ok(sum / used as f64)
}
