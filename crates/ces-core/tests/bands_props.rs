//! Property tests for the bands JSON parser: it never panics, and a scheme it accepts
//! classifies every f64 without panicking (NaN is an error), monotonically, as a linear
//! scan would, and prints to JSON that parses back to an equal scheme. The seed corpus
//! (tests/corpus_bands/bands.txt, one scheme a line) holds the reproducers scaled down.

use ces_core::bands::{Bands, Bound};
use ces_core::error::ErrorKind;
use ces_core::limits::MAX_BANDS;
use proptest::prelude::*;

fn corpus() -> Vec<String> {
    include_str!("corpus_bands/bands.txt")
        .lines()
        .map(str::to_string)
        .collect()
}

/// Scores worth classifying against a scheme: specials, every bound and its neighbours.
fn probes(b: &Bands) -> Vec<f64> {
    let mut v = vec![
        f64::NEG_INFINITY,
        -f64::MAX,
        -1.0,
        -0.0,
        0.0,
        f64::MIN_POSITIVE,
        1.0,
        f64::MAX,
        f64::INFINITY,
    ];
    for band in b.bands() {
        if let Bound::UpTo(x) | Bound::Below(x) = band.bound {
            v.extend([x, x.next_down(), x.next_up()]);
        }
    }
    v
}

/// Everything an accepted scheme promises.
fn check_accepted(b: &Bands, extra: &[f64]) {
    let bands = b.bands();
    assert!(!bands.is_empty() && bands.len() <= MAX_BANDS);
    assert_eq!(bands.last().unwrap().bound, Bound::Open);
    assert!(b.classify(f64::NAN).is_err());
    let mut scores = probes(b);
    scores.extend_from_slice(extra);
    scores.retain(|x| !x.is_nan());
    scores.sort_by(f64::total_cmp);
    let mut last = 0;
    for &x in &scores {
        let i = b.index(x).unwrap();
        // the first band whose bound admits x, as a linear scan finds it
        let linear = bands
            .iter()
            .position(|band| match band.bound {
                Bound::UpTo(u) => x <= u,
                Bound::Below(u) => x < u,
                Bound::Open => true,
            })
            .unwrap();
        assert_eq!(i, linear, "score {x}");
        assert!(i >= last || x == 0.0, "not monotone at {x}");
        last = i;
        assert_eq!(b.classify(x).unwrap(), bands[i].name);
    }
    let text = b.to_json();
    let again = Bands::parse_json(&text).unwrap_or_else(|e| panic!("{text}: {}", e.message));
    assert_eq!(&again, b, "{text}");
}

fn parse_and_check(text: &str, extra: &[f64]) {
    if let Ok(b) = Bands::parse_json(text) {
        check_accepted(&b, extra);
    }
}

#[test]
fn seed_corpus() {
    let seeds = corpus();
    assert!(seeds.len() > 50);
    let mut accepted = 0;
    for s in &seeds {
        match Bands::parse_json(s) {
            Ok(b) => {
                accepted += 1;
                check_accepted(&b, &[])
            }
            Err(e) => assert!(!e.message.is_empty()),
        }
    }
    assert!(accepted >= 5, "{accepted}");
    // the scaled-down 100k/200k shapes: the limit passes, one more band is refused with 54000
    let limit = seeds
        .iter()
        .find(|s| s.matches("\"name\"").count() == MAX_BANDS);
    assert!(Bands::parse_json(limit.unwrap()).is_ok());
    for s in seeds
        .iter()
        .filter(|s| s.matches("\"name\"").count() > MAX_BANDS)
    {
        assert_eq!(
            Bands::parse_json(s).unwrap_err().kind,
            ErrorKind::LimitExceeded
        );
    }
}

/// A bound's JSON text: ordinary numbers, and the values that broke parsers elsewhere.
fn bound_text() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => any::<f64>().prop_filter("finite", |x| x.is_finite()).prop_map(|x| format!("{x:e}")),
        4 => (-200i64..200).prop_map(|x| x.to_string()),
        2 => prop::sample::select(vec![
            "NaN", "\"NaN\"", "Infinity", "-Infinity", "1e400", "-1e400", "1e-400", "-0", "null",
            "true", "\"5\"", "[]", "{}", "1.7976931348623157e308", "5e-324", "0.1", "1e", "--1",
        ])
        .prop_map(str::to_string),
    ]
}

fn band_text() -> impl Strategy<Value = String> {
    let name = prop_oneof![
        6 => "[a-d]{1,2}".prop_map(|n| format!("\"{n}\"")),
        1 => prop::sample::select(vec![
            "\"\"", "7", "null", "\"\\u0000\"", "\"\\ud800\"", "\"\u{e9}t\u{e9}\"", "\"a\\\"b\"",
        ])
        .prop_map(str::to_string),
    ];
    let key = prop::sample::select(vec!["upto", "below", "upto", "below", "colour", "name"]);
    (
        prop::option::weighted(0.95, name),
        prop::collection::vec((key, bound_text()), 0..3),
    )
        .prop_map(|(name, bounds)| {
            let mut parts = Vec::new();
            if let Some(n) = name {
                parts.push(format!("\"name\":{n}"));
            }
            for (k, v) in bounds {
                parts.push(format!("\"{k}\":{v}"));
            }
            format!("{{{}}}", parts.join(","))
        })
}

/// A scheme's text: mostly well-formed arrays of band-like objects, sometimes damaged.
fn scheme_text() -> impl Strategy<Value = String> {
    let array =
        || prop::collection::vec(band_text(), 0..12).prop_map(|b| format!("[{}]", b.join(",")));
    let damaged = (array(), any::<prop::sample::Index>(), any::<u8>()).prop_map(|(s, at, byte)| {
        let mut bytes = s.into_bytes();
        let i = at.index(bytes.len() + 1);
        bytes.insert(i, byte);
        String::from_utf8_lossy(&bytes).into_owned()
    });
    let truncated = (array(), any::<prop::sample::Index>())
        .prop_map(|(s, at)| s.chars().take(at.index(s.len() + 1)).collect::<String>());
    let seeded = (
        prop::sample::select(corpus()),
        any::<prop::sample::Index>(),
        any::<u8>(),
    )
        .prop_map(|(s, at, byte)| {
            let mut bytes = s.into_bytes();
            let i = at.index(bytes.len());
            bytes[i] = byte;
            String::from_utf8_lossy(&bytes).into_owned()
        });
    prop_oneof![6 => array(), 1 => damaged, 1 => truncated, 1 => seeded, 1 => ".*"]
}

/// Well-formed, increasing schemes: most of these are accepted.
fn valid_scheme() -> impl Strategy<Value = String> {
    prop::collection::vec((any::<bool>(), -1e6f64..1e6), 0..20).prop_map(|mut v| {
        v.sort_by(|a, b| a.1.total_cmp(&b.1));
        v.dedup_by(|a, b| a.1 == b.1);
        let mut parts: Vec<String> = v
            .iter()
            .enumerate()
            .map(|(i, (upto, x))| {
                format!(
                    "{{\"name\":\"b{i}\",\"{}\":{x:e}}}",
                    if *upto { "upto" } else { "below" }
                )
            })
            .collect();
        parts.push("{\"name\":\"top\"}".to_string());
        format!("[{}]", parts.join(","))
    })
}

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        failure_persistence: None,
        max_shrink_iters: 2000,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config(2000))]

    #[test]
    fn any_text_never_panics(text in scheme_text(), extra in prop::collection::vec(any::<f64>(), 0..8)) {
        parse_and_check(&text, &extra);
    }

    #[test]
    fn valid_schemes_classify_and_round_trip(text in valid_scheme(), extra in prop::collection::vec(any::<f64>(), 0..8)) {
        let b = Bands::parse_json(&text).unwrap();
        check_accepted(&b, &extra);
    }
}
