//! Coefficients as points a person reads: scaled so that the 95th-percentile account scores
//! 100, rounded to two significant digits, signs kept (negative points are churn signals).

/// Nearest-rank 95th percentile of `v` (sorted in place); 0 for no values.
pub fn p95(v: &mut [f64]) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_unstable_by(f64::total_cmp);
    let rank = ((0.95 * v.len() as f64).ceil() as usize).clamp(1, v.len());
    v[rank - 1]
}

/// The factor from linear scores to points: 100 / p95 of the scores, or of their absolute
/// values when that is not positive (scores mostly negative); 1 when every score is 0.
pub fn scale(scores: &[f64]) -> f64 {
    let top = p95(&mut scores.to_vec());
    if top > 0.0 {
        return 100.0 / top;
    }
    let top = p95(&mut scores.iter().map(|s| s.abs()).collect::<Vec<_>>());
    if top > 0.0 {
        100.0 / top
    } else {
        1.0
    }
}

/// `x` rounded to two significant digits, as the nearest double to the decimal (0.12, 4.5, 1200).
pub fn round2(x: f64) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    let e = x.abs().log10().floor() as i32;
    let digits = 1 - e;
    let r = if digits >= 0 {
        let f = 10f64.powi(digits);
        (x * f).round() / f
    } else {
        let f = 10f64.powi(-digits);
        (x / f).round() * f
    };
    // 9.96 rounds to 10: still two significant digits.
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounds_to_two_significant_digits() {
        assert_eq!(round2(0.123456), 0.12);
        assert_eq!(round2(-4.449), -4.4);
        assert_eq!(round2(1234.0), 1200.0);
        assert_eq!(round2(9.96), 10.0);
        assert_eq!(round2(0.0), 0.0);
    }

    #[test]
    fn scale_puts_p95_at_100() {
        let s: Vec<f64> = (1..=100).map(|i| i as f64).collect();
        assert_eq!(scale(&s), 100.0 / 95.0);
        assert_eq!(scale(&[0.0, 0.0]), 1.0);
        assert_eq!(scale(&[-2.0, -4.0]), 25.0);
    }
}
