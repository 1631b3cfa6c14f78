//! `ces_normalize`: linear rescaling of a score onto 0–100 (or any target range), clamped.

use crate::error::OrRaise;
use pgrx::prelude::*;

#[pg_extern(immutable, strict, parallel_safe)]
fn ces_normalize(
    score: f64,
    lo: f64,
    hi: f64,
    target_lo: default!(f64, 0),
    target_hi: default!(f64, 100),
) -> f64 {
    ces_core::normalize::normalize(score, lo, hi, target_lo, target_hi).or_raise()
}
