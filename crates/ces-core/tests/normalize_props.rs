//! Property tests for `normalize`: every finite range and any non-NaN score give a finite
//! result inside the target range, monotone in the score, with the range's ends mapped to
//! the target's ends. Extreme magnitudes (near ±f64::MAX) are drawn often.

use ces_core::normalize::normalize;
use proptest::prelude::*;

fn finite() -> impl Strategy<Value = f64> {
    prop_oneof![
        3 => any::<f64>().prop_filter("finite", |x| x.is_finite()),
        1 => prop::sample::select(vec![
            f64::MAX, -f64::MAX, 1e308, -1e308, 0.0, -0.0, 5e-324, -5e-324, 1.0, -1.0, 100.0,
        ]),
        2 => -1e3f64..1e3,
    ]
}

fn ordered() -> impl Strategy<Value = (f64, f64)> {
    (finite(), finite())
        .prop_filter("distinct", |(a, b)| a != b)
        .prop_map(|(a, b)| if a < b { (a, b) } else { (b, a) })
}

fn score() -> impl Strategy<Value = f64> {
    prop_oneof![8 => finite(), 1 => Just(f64::INFINITY), 1 => Just(f64::NEG_INFINITY)]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 5_000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn finite_inside_and_monotone((lo, hi) in ordered(), (tl, th) in ordered(), a in score(), b in score()) {
        let va = normalize(a, lo, hi, tl, th).unwrap();
        let vb = normalize(b, lo, hi, tl, th).unwrap();
        prop_assert!(va.is_finite() && va >= tl && va <= th, "{a} in [{lo}, {hi}] -> {va}");
        prop_assert!(vb.is_finite() && vb >= tl && vb <= th);
        if a <= b {
            prop_assert!(va <= vb, "{a} -> {va}, {b} -> {vb}");
        }
        prop_assert_eq!(normalize(lo, lo, hi, tl, th).unwrap(), tl);
        prop_assert_eq!(normalize(hi, lo, hi, tl, th).unwrap(), th);
    }
}
