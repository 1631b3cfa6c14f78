//! Replays the seed corpus in tests/corpus: each file is `{accept|reject}_{kind}_{name}`,
//! kind one of summary (.bin: binary, .json: text), model, weights. Every file must be
//! accepted or refused as its name says, without a panic, and accepted ones round-trip.
//! `cargo test --test corpus -- --ignored` rewrites the generated files.

mod common;

use ces_core::limits::MAX_EVENT_TYPES;
use ces_core::summary::{self, Header, Slot};
use common::*;
use std::path::PathBuf;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/corpus")
}

#[test]
fn corpus_replays() {
    let mut n = 0;
    for entry in std::fs::read_dir(dir()).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let bytes = std::fs::read(&path).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        let accepted = if name.contains("_summary_") && name.ends_with(".bin") {
            check_binary(&bytes)
        } else if name.contains("_summary_") {
            check_text(&text)
        } else if name.contains("_model_") {
            check_model_json(&text)
        } else if name.contains("_weights_") {
            check_weights_json(&text)
        } else {
            panic!("unknown corpus file {name}");
        };
        assert_eq!(accepted, name.starts_with("accept_"), "{name}");
        n += 1;
    }
    assert!(n >= 20, "only {n} corpus files");
}

fn write(name: &str, bytes: &[u8]) {
    std::fs::write(dir().join(name), bytes).unwrap();
}

const AS_OF: i64 = 844_128_000_000_000; // 2026-10-01 00:00+00
const DAY: i64 = 86_400_000_000;

fn real_summary() -> (ces_core::Model, Header, Vec<Slot>) {
    let mut m = model(
        r#"{"weights":{"login":1,"ticket":-5,"up":50},"half_life":"7 days","lookback":"30 days"}"#,
    );
    m.as_of = Some(AS_OF);
    let mut h = Header::new(&m, AS_OF);
    let mut s = vec![Slot::default(); m.len()];
    for (e, age) in [("login", DAY), ("login", 2 * DAY), ("other", 3 * DAY)] {
        summary::accumulate(&mut h, &mut s, &m, Some(e.as_bytes()), Some(AS_OF - age));
    }
    m.as_of = None;
    (m, h, s)
}

/// Offset of field `k` (0 anchor, 1 events, 2 unweighted, 3 last_seen, 4 first_seen,
/// then the u32 nslots and stored) of an encoded summary with this model text.
fn field(body: &str, k: usize) -> usize {
    8 + body.len() + 8 * k
}

#[test]
#[ignore]
fn write_corpus() {
    let (m, h, s) = real_summary();
    let good = summary::encode(&h, &s, &m.body);
    assert!(check_binary(&good));
    write("accept_summary_sparse.bin", &good);
    let nslots = field(&m.body, 5);
    // the issue's reproducer: nslots overwritten with 0xFFFFFFFF
    let mut b = good.clone();
    b[nslots..nslots + 4].copy_from_slice(&u32::MAX.to_le_bytes());
    write("reject_summary_nslots_max.bin", &b);
    let mut b = good.clone();
    b[nslots..nslots + 8].copy_from_slice(&[0xff; 8]);
    write("reject_summary_nslots_and_stored_max.bin", &b);
    let mut b = good.clone();
    b[nslots..nslots + 4].copy_from_slice(&((MAX_EVENT_TYPES + 1) as u32).to_le_bytes());
    write("reject_summary_nslots_over_limit.bin", &b);
    let slot0 = nslots + 8 + 4; // first sparse entry: index, count, decayed
    for (name, bits) in [
        ("nan", f64::NAN.to_bits()),
        ("infinity", f64::INFINITY.to_bits()),
        ("negative_zero", (-0.0f64).to_bits()),
        ("above_count", 2.5f64.to_bits()),
    ] {
        let mut b = good.clone();
        b[slot0 + 8..slot0 + 16].copy_from_slice(&bits.to_le_bytes());
        write(&format!("reject_summary_decayed_{name}.bin"), &b);
    }
    let mut b = good.clone();
    b[slot0..slot0 + 8].copy_from_slice(&(-2i64).to_le_bytes());
    write("reject_summary_negative_count.bin", &b);
    for (name, at, v) in [
        ("timed_2", 1, 2u8),
        ("flag_byte_2", 2, 1),
        ("flag_byte_3", 3, 0x80),
        ("version_9", 0, 9),
    ] {
        let mut b = good.clone();
        b[at] = v;
        write(&format!("reject_summary_{name}.bin"), &b);
    }
    let mut b = good.clone();
    let ev = field(&m.body, 1);
    b[ev..ev + 8].copy_from_slice(&4i64.to_le_bytes());
    write("reject_summary_events_mismatch.bin", &b);
    let mut b = good.clone();
    let ls = field(&m.body, 3);
    b[ls..ls + 8].copy_from_slice(&(AS_OF + 1).to_le_bytes());
    write("reject_summary_last_seen_after_as_of.bin", &b);
    let mut b = good.clone();
    let fs = field(&m.body, 4);
    b[fs..fs + 8].copy_from_slice(&(AS_OF - 40 * DAY).to_le_bytes());
    write("reject_summary_first_seen_outside_window.bin", &b);
    let mut b = good.clone();
    b[4..8].copy_from_slice(&u32::MAX.to_le_bytes());
    write("reject_summary_model_length_max.bin", &b);
    write("reject_summary_truncated.bin", &good[..good.len() - 3]);
    // format 3 (0.1.0): no first_seen; still read, with first_seen unrecorded
    let mut v3 = good[..field(&m.body, 4)].to_vec();
    v3[0] = 3;
    v3.extend_from_slice(&good[field(&m.body, 5)..]);
    assert_eq!(
        summary::decode(&v3).unwrap().header.first_seen,
        summary::UNKNOWN_FIRST
    );
    write("accept_summary_format3.bin", &v3);
    // huge counts, tiny decayed sums, many event types
    let big = model(r#"{"weights":{"login":1}}"#);
    let hb = Header {
        events: i64::MAX,
        unweighted: 0,
        last_seen: summary::NO_TS,
        first_seen: summary::NO_FIRST,
        next: 0,
        anchor: 0,
        timed: 0,
        nslots: 1,
        model: 0,
    };
    let sb = vec![Slot {
        count: i64::MAX,
        decayed: i64::MAX as f64,
    }];
    write(
        "accept_summary_huge_count.bin",
        &summary::encode(&hb, &sb, &big.body),
    );
    let (mut ht, mut st) = (h, s.clone());
    st[0].decayed = 5e-324;
    ht.anchor = AS_OF;
    write(
        "accept_summary_tiny_decayed.bin",
        &summary::encode(&ht, &st, &m.body),
    );
    let names: Vec<String> = (0..MAX_EVENT_TYPES)
        .map(|i| format!("\"e{i}\":{i}"))
        .collect();
    let many = format!("{{{}}}", names.join(","));
    write("accept_model_max_event_types.json", many.as_bytes());
    let too_many = format!("{{{},\"zzz\":1}}", names.join(","));
    write(
        "reject_model_too_many_event_types.json",
        too_many.as_bytes(),
    );
    write(
        "reject_weights_too_many_event_types.json",
        too_many.as_bytes(),
    );
    // text forms
    let text = summary::to_json(&h, &s, &m);
    write("accept_summary_text.json", text.as_bytes());
    let no_first = text.replace(
        &format!(
            ",\"first_seen\":\"{}\"",
            ces_core::time::format_timestamp(h.first_seen)
        ),
        "",
    );
    assert_ne!(no_first, text);
    write("accept_summary_text_0_1_0.json", no_first.as_bytes());
    let with = |from: &str, to: &str| {
        assert!(text.contains(from), "{from}");
        text.replacen(from, to, 1)
    };
    let login = format!("\"login\":[2,{}]", serde_json::Value::from(s[0].decayed));
    write(
        "reject_summary_text_decayed_1e400.json",
        with(&login, "\"login\":[2,1e400]").as_bytes(),
    );
    write(
        "reject_summary_text_negative_count.json",
        with(&login, "\"login\":[-2,1.5]").as_bytes(),
    );
    write(
        "reject_summary_text_decayed_above_count.json",
        with(&login, "\"login\":[2,2.5]").as_bytes(),
    );
    write(
        "reject_summary_text_events_mismatch.json",
        with("\"events\":3", "\"events\":4").as_bytes(),
    );
    write(
        "reject_summary_text_null_decayed.json",
        with(&login, "\"login\":[2,null]").as_bytes(),
    );
    write(
        "reject_summary_text_infinite_as_of.json",
        with(
            "\"as_of\":\"2026-10-01 00:00:00+00\"",
            "\"as_of\":\"infinity\"",
        )
        .as_bytes(),
    );
    let huge = r#"{"model":{"weights":{"login":1}},"events":9223372036854775807,"unweighted":0,"counts":{"login":[9223372036854775807,9.223372036854776e18]}}"#;
    write("accept_summary_text_huge_count.json", huge.as_bytes());
    write(
        "reject_summary_text_no_decay_mismatch.json",
        huge.replace("9.223372036854776e18", "5.0").as_bytes(),
    );
    // models and weights
    write("accept_model_full.json", br#"{"weights":{"login":1,"ticket":{"weight":-5,"half_life":"2 days","cap":40}},"half_life":"7 days","lookback":"30 days","as_of":"2026-10-01 00:00:00+00"}"#);
    write(
        "reject_model_weight_1e16.json",
        br#"{"weights":{"login":1e16}}"#,
    );
    write(
        "reject_model_cap_1e400.json",
        br#"{"login":{"weight":1,"cap":1e400}}"#,
    );
    write(
        "accept_weights_limits.json",
        br#"{"login":1e15,"churn":-1e15,"tiny":5e-324}"#,
    );
    write("reject_weights_1e400.json", br#"{"big":1e400}"#);
    write("reject_weights_not_object.json", b"[1,2]");
}
