//! Linear normalisation of a score from [lo, hi] onto [target_lo, target_hi], clamped.

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
    if lo >= hi {
        return Err(CesError::invalid(format!(
            "lo must be below hi, got lo = {lo} and hi = {hi}"
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
    let t = (score - lo) / (hi - lo);
    let v = target_lo + t * (target_hi - target_lo);
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
        assert!(normalize(1.0, 5.0, 5.0, 0.0, 100.0)
            .unwrap_err()
            .message
            .contains("lo must be below hi"));
        assert!(normalize(1.0, 6.0, 5.0, 0.0, 100.0).is_err());
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
}
