//! Property tests for the backfill layout: `Layout::new` never panics on any arguments, and a
//! layout it accepts is within the limits and places every instant (any i64) in range.

use ces_core::history::Layout;
use ces_core::limits::{MAX_HISTORY_BUCKETS, MAX_HISTORY_SLOTS};
use proptest::prelude::*;

fn arg() -> impl Strategy<Value = i64> {
    prop_oneof![
        2 => any::<i64>(),
        2 => -1000i64..100_000,
        1 => prop::sample::select(vec![
            i64::MIN, i64::MIN + 1, -1, 0, 1, 86_400_000_000, 3_600_000_000, i64::MAX - 1, i64::MAX,
        ]),
        2 => (1i64..1000).prop_map(|d| d * 86_400_000_000),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2_000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn accepted_layouts_are_bounded_and_total(
        from in arg(), step in arg(), n in arg(), lookback in prop::option::of(arg()),
        types in prop_oneof![0usize..50, any::<usize>()], ts in prop::collection::vec(arg(), 1..16),
    ) {
        let Ok(l) = Layout::new(from, step, n, lookback, types) else { return Ok(()) };
        prop_assert!(l.n_buckets() <= MAX_HISTORY_BUCKETS);
        prop_assert!(l.n_buckets() as u128 * types as u128 <= MAX_HISTORY_SLOTS as u128);
        prop_assert!(l.n_dates() >= 1 && l.step() > 0);
        for t in ts.into_iter().chain([from, from.wrapping_sub(step), i64::MIN, i64::MAX]) {
            let (first, place) = l.locate(t);
            if let Some(f) = first {
                prop_assert!(f < l.n_dates());
            }
            if let Some((b, age)) = place {
                prop_assert!(first.is_some() && b < l.n_buckets() && age >= 0);
            }
        }
    }
}
