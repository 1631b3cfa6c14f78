use super::*;
use crate::testing::TestTime;
use crate::time::USECS_PER_DAY;

/// SplitMix64: a tiny deterministic generator for test data.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn logistic_data(n: usize, beta: &[f64], intercept: f64, seed: u64) -> (Vec<f64>, Vec<bool>) {
    let p = beta.len();
    let mut rng = Rng(seed);
    let mut x = vec![0.0; n * p];
    let mut y = vec![false; n];
    for r in 0..n {
        let mut eta = intercept;
        for j in 0..p {
            let v = (rng.unit() * 4.0).floor();
            x[r * p + j] = v;
            eta += beta[j] * v;
        }
        y[r] = rng.unit() < 1.0 / (1.0 + (-eta).exp());
    }
    (x, y)
}

#[test]
fn recovers_known_coefficients() {
    let beta = [0.8, -0.6, 0.0];
    let (x, y) = logistic_data(20_000, &beta, -0.3, 7);
    let rows: Vec<usize> = (0..y.len()).collect();
    let m = solver::fit_rows(&x, 3, &y, &rows, 1e-3).unwrap();
    for (j, b) in beta.iter().enumerate() {
        assert!(
            (m.coef[j] - b).abs() < 4.0 * m.se[j] + 0.02,
            "coef {j}: {} vs {b} (se {})",
            m.coef[j],
            m.se[j]
        );
    }
    assert!(
        (m.intercept + 0.3).abs() < 0.15,
        "intercept {}",
        m.intercept
    );
    assert!(m.coef[0].abs() > 2.0 * m.se[0] && m.coef[1].abs() > 2.0 * m.se[1]);
}

#[test]
fn separable_data_stays_finite() {
    let n = 200;
    let x: Vec<f64> = (0..n).map(|i| i as f64).collect();
    let y: Vec<bool> = (0..n).map(|i| i >= n / 2).collect();
    let rows: Vec<usize> = (0..n).collect();
    let m = solver::fit_rows(&x, 1, &y, &rows, 1.0).unwrap();
    assert!(m.coef[0].is_finite() && m.coef[0] > 0.0);
    assert!(m.se[0].is_finite() && m.intercept.is_finite());
}

#[test]
fn collinear_and_constant_columns_do_not_crash() {
    let (x1, y) = logistic_data(2_000, &[0.7], 0.0, 3);
    // Columns: x, the same x, 2x, and a constant.
    let x: Vec<f64> = x1.iter().flat_map(|&v| [v, v, 2.0 * v, 5.0]).collect();
    let rows: Vec<usize> = (0..y.len()).collect();
    let m = solver::fit_rows(&x, 4, &y, &rows, 1.0).unwrap();
    assert!(m.coef.iter().all(|c| c.is_finite()));
    assert_eq!(m.coef[3], 0.0);
    assert!(m.se[3].is_infinite());
    // The shared effect is split, and adds up to the true one.
    let total = m.coef[0] + m.coef[1] + 2.0 * m.coef[2];
    assert!((total - 0.7).abs() < 0.2, "total {total}");
}

/// Events for `n` accounts over 90 days before as_of: "good" raises the odds, "bad" lowers
/// them, "noise" does neither; counts overlap between outcomes.
type Labels = Vec<(Vec<u8>, bool)>;
type Rows = Vec<(Vec<u8>, Vec<u8>, i64)>;

fn events(n: usize, seed: u64) -> (Labels, Rows) {
    let mut rng = Rng(seed);
    let as_of = 1000 * USECS_PER_DAY;
    let mut labels = Vec::new();
    let mut rows = Vec::new();
    for a in 0..n {
        let key = format!("acct-{a}").into_bytes();
        let mut eta = -0.2;
        for (name, beta) in [("good", 0.5), ("bad", -0.6), ("noise", 0.0)] {
            let k = (rng.unit() * 6.0).floor() as usize;
            for _ in 0..k {
                let age = (rng.unit() * 90.0 * USECS_PER_DAY as f64) as i64;
                rows.push((key.clone(), name.as_bytes().to_vec(), as_of - age));
            }
            eta += beta * k as f64;
        }
        labels.push((key, rng.unit() < 1.0 / (1.0 + (-eta).exp())));
    }
    (labels, rows)
}

fn run(
    labels: Vec<(Vec<u8>, bool)>,
    rows: &[(Vec<u8>, Vec<u8>, i64)],
    opts: &FitOptions,
) -> FitReport {
    let mut f = Features::new(
        labels,
        opts.candidates.clone(),
        1000 * USECS_PER_DAY,
        opts.lookback,
    )
    .unwrap();
    for (a, e, t) in rows {
        f.add(Some(a), Some(e), Some(*t)).unwrap();
    }
    f.finish();
    fit(&f, opts, &mut |_| {}).unwrap()
}

#[test]
fn fit_ranks_event_types_and_is_deterministic() {
    let (labels, mut rows) = events(3_000, 11);
    let opts = FitOptions::default();
    let r = run(labels.clone(), &rows, &opts);
    let by = |name: &str| r.events.iter().find(|e| e.event == name).unwrap().clone();
    assert!(by("good").kept && by("good").points > 0.0);
    assert!(by("bad").kept && by("bad").points < 0.0);
    assert!(by("good").coef > by("noise").coef && by("noise").coef > by("bad").coef);
    assert!(
        r.cv_auc > r.equal_weights_auc,
        "{} vs {}",
        r.cv_auc,
        r.equal_weights_auc
    );
    // Read in another order: the same model.
    rows.reverse();
    let mut shuffled = labels;
    shuffled.reverse();
    let again = run(shuffled, &rows, &opts);
    assert_eq!(again.model_json(), r.model_json());
    assert_eq!(again.half_life, r.half_life);
}

#[test]
fn too_few_accounts_and_no_variation_are_errors() {
    let labels: Vec<(Vec<u8>, bool)> = (0..50).map(|i| (vec![i as u8], true)).collect();
    let e = Features::new(labels, vec![None], 0, None).err().unwrap();
    assert!(e.message.contains("does not vary"), "{}", e.message);
    let labels: Vec<(Vec<u8>, bool)> = (0..50).map(|i| (vec![i as u8], i < 10)).collect();
    let e = Features::new(labels, vec![None], 0, None).err().unwrap();
    assert!(
        e.message.contains("10 with outcome true and 40"),
        "{}",
        e.message
    );
}

#[test]
fn options_name_bad_keys_and_values() {
    let err = |t: &str| FitOptions::parse(t, &TestTime).err().unwrap();
    assert!(err(r#"{"folds":3}"#).message.contains("\"folds\""));
    assert!(err(r#"{"k":1}"#).message.contains("options.k"));
    assert!(err(r#"{"l2":-1}"#).message.contains("options.l2"));
    assert!(err(r#"{"candidates":[]}"#).message.contains("empty"));
    assert!(err(r#"{"candidates":["7 days"],"half_life":"7 days"}"#)
        .message
        .contains("exclude"));
    let many = format!("{{\"candidates\":[{}]}}", vec!["\"1 day\""; 65].join(","));
    assert_eq!(err(&many).kind, crate::error::ErrorKind::LimitExceeded);
    let o = FitOptions::parse(r#"{"half_life":"14 days","k":3}"#, &TestTime).unwrap();
    assert_eq!(o.candidates, vec![Some(14 * USECS_PER_DAY)]);
    assert_eq!(
        FitOptions::parse("{}", &TestTime).unwrap().candidates.len(),
        7
    );
}

#[test]
fn cells_beyond_the_limit_raise_54000() {
    let e = features::check_cells(1_000_000, 10, 7).err().unwrap();
    assert_eq!(e.kind, crate::error::ErrorKind::LimitExceeded);
    assert!(features::check_cells(50_000, 10, 7).is_ok());
}

fn labels(n: usize) -> Vec<(Vec<u8>, bool)> {
    (0..n)
        .map(|i| (format!("a{i}").into_bytes(), i % 2 == 0))
        .collect()
}

#[test]
fn no_counted_event_is_an_error_not_a_panic() {
    // Events all after as_of (or none at all): no event type, nothing to fit.
    let mut f = Features::new(labels(60), vec![None], 1_000, None).unwrap();
    f.add(Some(b"a1"), Some(b"login"), Some(2_000)).unwrap();
    f.add(Some(b"a2"), Some(b""), Some(500)).unwrap();
    f.finish();
    let err = fit(&f, &FitOptions::default(), &mut |_| {}).unwrap_err();
    assert!(err.to_string().contains("nothing to fit"), "{err}");
}

#[test]
fn too_many_event_types_stop_before_allocating() {
    let limit = crate::limits::MAX_FIT_EVENT_TYPES;
    let mut f = Features::new(labels(40), vec![None], 1_000, None).unwrap();
    for t in 0..limit {
        f.add(Some(b"a1"), Some(format!("t{t}").as_bytes()), Some(0))
            .unwrap();
    }
    let err = f.add(Some(b"a1"), Some(b"one more"), Some(0)).unwrap_err();
    assert!(err.to_string().contains("event types"), "{err}");
}

#[test]
fn empty_outcomes_say_so() {
    let err = Features::new(Vec::new(), vec![None], 0, None)
        .err()
        .unwrap();
    assert!(err.to_string().contains("no labelled accounts"), "{err}");
}

#[test]
fn too_many_accounts_stop_the_read() {
    use crate::limits::{MAX_FIT_ACCOUNTS, MAX_FIT_CELLS};
    assert!(features::check_accounts(MAX_FIT_ACCOUNTS, 1).is_ok());
    let err = features::check_accounts(MAX_FIT_ACCOUNTS + 1, 1).unwrap_err();
    assert!(err.to_string().contains("labelled accounts"), "{err}");
    // Many candidates: the cells limit trips first.
    assert!(features::check_accounts(MAX_FIT_CELLS / 64 + 1, 64).is_err());
}
