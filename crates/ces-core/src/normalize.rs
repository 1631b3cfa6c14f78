//! Linear normalisation of a score from [lo, hi] onto [target_lo, target_hi], clamped.
//! Finite inputs give a finite result inside the target range: a span that overflows an f64
//! (hi − lo > f64::MAX) is computed on halves, so no step makes an infinity or a NaN.
//! A flat range (lo = hi: a segment whose accounts all score the same, or hold one account)
//! maps every score to the middle of the target range, so a dashboard never breaks on it.

use crate::error::{pg_float, CesError};

pub fn normalize(
    score: f64,
    lo: f64,
    hi: f64,
    target_lo: f64,
    target_hi: f64,
) -> Result<f64, CesError> {
    for (name, v) in [
        ("lo", lo),
        ("hi", hi),
        ("target_lo", target_lo),
        ("target_hi", target_hi),
    ] {
        if !v.is_finite() {
            return Err(CesError::invalid(format!(
                "{name} must be finite, got {}",
                pg_float(v)
            )));
        }
    }
    if lo > hi {
        return Err(CesError::invalid(format!(
            "lo must not be above hi, got lo = {lo} and hi = {hi}"
        )));
    }
    if target_lo >= target_hi {
        return Err(CesError::invalid(format!(
            "target_lo must be below target_hi, got target_lo = {target_lo} and target_hi = {target_hi}"
        )));
    }
    if score.is_nan() {
        return Err(CesError::invalid("score is NaN and cannot be normalised"));
    }
    if lo == hi {
        // halves, so target_hi - target_lo cannot overflow
        return Ok((target_lo / 2.0 + target_hi / 2.0).clamp(target_lo, target_hi));
    }
    if score <= lo {
        return Ok(target_lo);
    }
    if score >= hi {
        return Ok(target_hi);
    }
    // lo < score < hi: t in [0, 1].
    let t = if (hi - lo).is_finite() {
        (score - lo) / (hi - lo)
    } else {
        (score / 2.0 - lo / 2.0) / (hi / 2.0 - lo / 2.0)
    }
    .clamp(0.0, 1.0);
    let v = if (target_hi - target_lo).is_finite() {
        target_lo + t * (target_hi - target_lo)
    } else {
        // a convex combination of two finite numbers
        target_lo * (1.0 - t) + target_hi * t
    };
    Ok(v.clamp(target_lo, target_hi))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_and_clamps() {
        assert_eq!(normalize(145.0, 0.0, 200.0, 0.0, 100.0).unwrap(), 72.5);
        assert_eq!(normalize(-10.0, 0.0, 200.0, 0.0, 100.0).unwrap(), 0.0);
        assert_eq!(normalize(1e9, 0.0, 200.0, 0.0, 100.0).unwrap(), 100.0);
        assert_eq!(
            normalize(f64::INFINITY, 0.0, 1.0, 0.0, 100.0).unwrap(),
            100.0
        );
        assert_eq!(normalize(5.0, 0.0, 10.0, 1.0, 5.0).unwrap(), 3.0);
        assert_eq!(normalize(0.0, 0.0, 10.0, 0.0, 1.0).unwrap(), 0.0);
        assert_eq!(normalize(10.0, 0.0, 10.0, 0.0, 1.0).unwrap(), 1.0);
    }

    #[test]
    fn rejects_bad_bounds() {
        assert!(normalize(1.0, 6.0, 5.0, 0.0, 100.0)
            .unwrap_err()
            .message
            .contains("lo must not be above hi"));
        assert!(normalize(1.0, f64::NAN, 5.0, 0.0, 100.0)
            .unwrap_err()
            .message
            .contains("lo must be finite"));
        assert!(normalize(1.0, 0.0, f64::INFINITY, 0.0, 100.0)
            .unwrap_err()
            .message
            .contains("hi must be finite"));
        assert!(normalize(1.0, 0.0, 1.0, 0.0, f64::NEG_INFINITY)
            .unwrap_err()
            .message
            .contains("target_hi"));
        assert!(normalize(1.0, 0.0, 1.0, 100.0, 0.0)
            .unwrap_err()
            .message
            .contains("target_lo must be below"));
        assert!(normalize(f64::NAN, 0.0, 1.0, 0.0, 100.0)
            .unwrap_err()
            .message
            .contains("NaN"));
    }

    #[test]
    fn flat_range_maps_to_the_middle() {
        assert_eq!(normalize(5.0, 5.0, 5.0, 0.0, 100.0).unwrap(), 50.0);
        assert_eq!(normalize(-3.0, 5.0, 5.0, 0.0, 1.0).unwrap(), 0.5);
        assert_eq!(normalize(9.0, 0.0, 0.0, 1.0, 5.0).unwrap(), 3.0);
        assert_eq!(normalize(0.0, 0.0, 0.0, -f64::MAX, f64::MAX).unwrap(), 0.0);
        assert!(normalize(f64::NAN, 5.0, 5.0, 0.0, 100.0).is_err());
    }

    #[test]
    fn huge_ranges_stay_finite() {
        assert_eq!(normalize(0.0, -1e308, 1e308, 0.0, 100.0).unwrap(), 50.0);
        assert_eq!(
            normalize(0.0, -f64::MAX, f64::MAX, -f64::MAX, f64::MAX).unwrap(),
            0.0
        );
        assert_eq!(normalize(1.0, 0.0, 2.0, -f64::MAX, f64::MAX).unwrap(), 0.0);
        let v = normalize(f64::MAX, -f64::MAX, f64::MAX, 0.0, 100.0).unwrap();
        assert_eq!(v, 100.0);
    }
}
