//! Does the score predict the outcome? ROC AUC (exact, O(n log n), ties count one half)
//! and lift per band, for backtesting a model against renewals or churn.
//! The sorts are `sort_unstable_by(total_cmp)` (O(n log n), total on any f64); the passes
//! over their output check for interrupts.

use crate::bands::Bands;
use crate::error::CesError;
use crate::interrupt::Ticker;

/// Probability that a random positive scores above a random negative, ties counting one
/// half (the Mann-Whitney U statistic over P·N). None when a class is empty.
/// Sorts both slices in place.
pub fn auc(pos: &mut [f64], neg: &mut [f64]) -> Option<f64> {
    if pos.is_empty() || neg.is_empty() {
        return None;
    }
    pos.sort_unstable_by(f64::total_cmp);
    neg.sort_unstable_by(f64::total_cmp);
    // Twice the U statistic, in integers: exact for any realistic row count.
    let (mut below, mut at_or_below) = (0usize, 0usize);
    let mut twice_u: u128 = 0;
    let mut tick = Ticker::default();
    for &x in pos.iter() {
        tick.tick();
        while below < neg.len() && neg[below] < x {
            tick.tick();
            below += 1;
        }
        at_or_below = at_or_below.max(below);
        while at_or_below < neg.len() && neg[at_or_below] <= x {
            tick.tick();
            at_or_below += 1;
        }
        twice_u += (below + at_or_below) as u128;
    }
    Some(twice_u as f64 / (2.0 * pos.len() as f64 * neg.len() as f64))
}

pub fn check_score(score: f64) -> Result<f64, CesError> {
    if score.is_nan() {
        Err(CesError::invalid("score is NaN"))
    } else {
        Ok(score)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct LiftRow {
    pub band: String,
    pub n: i64,
    pub positives: i64,
    /// positives / n; None for an empty band.
    pub rate: Option<f64>,
    /// rate / overall rate; None for an empty band or when nothing is positive.
    pub lift: Option<f64>,
}

/// Lift per band from per-band (n, positives) counts, in band order.
pub fn lift(bands: &Bands, counts: &[(i64, i64)]) -> Vec<LiftRow> {
    let (n, p) = counts.iter().fold((0i64, 0i64), |(n, p), c| {
        (n.saturating_add(c.0), p.saturating_add(c.1))
    });
    let overall = if n > 0 { p as f64 / n as f64 } else { 0.0 };
    bands
        .bands()
        .iter()
        .zip(counts)
        .map(|(b, &(bn, bp))| {
            let rate = (bn > 0).then(|| bp as f64 / bn as f64);
            LiftRow {
                band: b.name.clone(),
                n: bn,
                positives: bp,
                rate,
                lift: rate.filter(|_| overall > 0.0).map(|r| r / overall),
            }
        })
        .collect()
}

/// Index of the band a score falls in (a binary search over the bounds).
pub fn band_index(bands: &Bands, score: f64) -> Result<usize, CesError> {
    bands.index(score)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Quadratic reference: pairs won plus half the ties.
    fn brute(pos: &[f64], neg: &[f64]) -> f64 {
        let mut w = 0.0;
        for &p in pos {
            for &n in neg {
                w += if p > n {
                    1.0
                } else if p == n {
                    0.5
                } else {
                    0.0
                };
            }
        }
        w / (pos.len() * neg.len()) as f64
    }

    #[test]
    fn hand_computed_auc() {
        // positives 3, 5; negatives 1, 3, 4: pairs won 3>1, 5>1, 5>3, 5>4 = 4, tie 3=3 = 0.5
        assert_eq!(auc(&mut [3.0, 5.0], &mut [1.0, 3.0, 4.0]), Some(4.5 / 6.0));
        assert_eq!(auc(&mut [1.0], &mut [2.0]), Some(0.0));
        assert_eq!(auc(&mut [2.0, 2.0], &mut [2.0]), Some(0.5));
        assert_eq!(auc(&mut [], &mut [1.0]), None);
        assert_eq!(auc(&mut [1.0], &mut []), None);
    }

    #[test]
    fn auc_matches_brute_force_with_ties() {
        let mut x: u64 = 12345;
        for _ in 0..30 {
            let mut pos = Vec::new();
            let mut neg = Vec::new();
            for _ in 0..300 {
                x = x.wrapping_mul(6364136223846793005).wrapping_add(1);
                let score = ((x >> 40) % 50) as f64; // many ties
                if (x >> 20) % 3 == 0 {
                    pos.push(score + 3.0)
                } else {
                    neg.push(score)
                }
            }
            let want = brute(&pos, &neg);
            assert!((auc(&mut pos, &mut neg).unwrap() - want).abs() < 1e-12);
        }
    }

    #[test]
    fn lift_per_band() {
        let b = Bands::parse_json(
            r#"[{"name":"low","upto":40},{"name":"mid","upto":80},{"name":"high"}]"#,
        )
        .unwrap();
        let rows = lift(&b, &[(10, 2), (0, 0), (10, 8)]);
        assert_eq!(rows[0].rate, Some(0.2));
        assert_eq!(rows[0].lift, Some(0.4));
        assert_eq!(rows[1].rate, None);
        assert_eq!(rows[2].lift, Some(1.6));
        assert_eq!(band_index(&b, 40.0).unwrap(), 0);
        assert_eq!(band_index(&b, 81.0).unwrap(), 2);
    }
}
