//! Shared by the property tests: the round-trip checks of each input form (the time parser
//! is `ces_core::testing::TestTime`, enabled by the `testing` feature).
#![allow(dead_code)]

use ces_core::summary::{self, Header, Slot};
use ces_core::testing::TestTime;
use ces_core::{Model, Weights};

pub fn model(text: &str) -> Model {
    Model::parse_json(text, &TestTime).unwrap_or_else(|e| panic!("{e}: {text}"))
}

/// What binary input (`ces_summary_recv`) accepts: decode, a model, the model's rules.
pub fn accept_binary(bytes: &[u8]) -> Option<(Model, Header, Vec<Slot>)> {
    let d = summary::decode(bytes).ok()?;
    let text = summary::model_text(d.model_body).ok()?;
    let m = Model::parse_json(text, &TestTime).ok()?;
    summary::check_model(&d.header, &d.slots, &m).ok()?;
    summary::check_own_window(&d.header, &m).ok()?;
    Some((m, d.header, d.slots.to_vec()))
}

/// Accepted values print to text that reads back equal, and encode to bytes that decode equal.
pub fn assert_round_trips(m: &Model, h: &Header, s: &[Slot]) {
    let text = summary::to_json(h, s, m);
    let (m2, h2, s2) = summary::from_json(&text, &TestTime)
        .unwrap_or_else(|e| panic!("accepted value does not read back: {e}\n{text}"));
    assert_eq!(m2.body, m.body, "{text}");
    assert_eq!(h2, Header { model: 0, ..*h }, "{text}");
    assert_eq!(bits(&s2), bits(s), "{text}");
    let bytes = summary::encode(h, s, &m.body);
    let (m3, h3, s3) = accept_binary(&bytes).expect("an accepted value re-encodes");
    assert_eq!(m3.body, m.body);
    assert_eq!(h3, Header { model: 0, ..*h });
    assert_eq!(bits(&s3), bits(s));
}

fn bits(s: &[Slot]) -> Vec<(i64, u64)> {
    s.iter().map(|x| (x.count, x.decayed.to_bits())).collect()
}

/// Binary input: never panics; what it accepts round-trips.
pub fn check_binary(bytes: &[u8]) -> bool {
    match accept_binary(bytes) {
        Some((m, h, s)) => {
            assert_round_trips(&m, &h, &s);
            true
        }
        None => false,
    }
}

/// Text input: never panics; what it accepts round-trips.
pub fn check_text(text: &str) -> bool {
    match summary::from_json(text, &TestTime) {
        Ok((m, h, s)) => {
            assert_round_trips(&m, &h, &s);
            true
        }
        Err(_) => false,
    }
}

/// Model JSON: never panics; the canonical text of an accepted model is a fixed point.
pub fn check_model_json(text: &str) -> bool {
    match Model::parse_json(text, &TestTime) {
        Ok(m) => {
            assert!(m.len() <= ces_core::limits::MAX_EVENT_TYPES);
            let canonical = m.to_json();
            let m2 = Model::parse_json(&canonical, &TestTime)
                .unwrap_or_else(|e| panic!("canonical model does not read back: {e}\n{canonical}"));
            assert_eq!(m2.to_json(), canonical);
            assert_eq!(m2.rules, m.rules);
            assert_eq!(
                (m2.half_life, m2.lookback, m2.as_of),
                (m.half_life, m.lookback, m.as_of)
            );
            true
        }
        Err(_) => false,
    }
}

/// Weights JSON: never panics; accepted weights print (as a model) and read back equal.
pub fn check_weights_json(text: &str) -> bool {
    match Weights::parse_json(text) {
        Ok(w) => {
            let m = Model::from_weights(w.clone());
            let w2 = Weights::parse_json(&weights_object(&m))
                .unwrap_or_else(|e| panic!("weights do not read back: {e}\n{text}"));
            assert_eq!(w2.len(), w.len());
            for i in 0..w.len() {
                assert_eq!(w2.get(w.name(i).as_bytes()), Some(w.weight(i)));
                assert_eq!(w.get(w.name(i).as_bytes()), Some(w.weight(i)));
            }
            true
        }
        Err(_) => false,
    }
}

/// The "weights" object of a model's canonical text.
fn weights_object(m: &Model) -> String {
    let v: serde_json::Value = serde_json::from_str(&m.to_json()).unwrap();
    v["weights"].to_string()
}
