//! Event weights: `{"login": 1, "upgraded": 50, "support_ticket": -5}`.
//! Parsed and validated once per query; `get` is the per-row hot path, so the lookup
//! never allocates and, for the usual few dozen names, never branches on which name it
//! is: a perfect hash of a few sampled bytes picks the one candidate, and one comparison
//! confirms it. Branches that depend on the event name are mispredicted on real data
//! (event types arrive interleaved), and cost more than the comparison itself.

use crate::error::{finite_number, json_type_name, shorten, CesError};
use crate::interrupt::Ticker;
use crate::limits::{MAX_EVENT_TYPES, MAX_MODEL_BYTES, MAX_WEIGHT};

#[derive(Debug, Clone)]
pub struct Weights {
    names: Vec<Box<[u8]>>,
    weights: Vec<f64>,
    index: Index,
}

#[derive(Debug, Clone)]
enum Index {
    /// `table[(fingerprint * seed) >> shift]` holds `index + 1` (0 = no such name), with no
    /// two names in one entry.
    Perfect {
        seed: u64,
        shift: u32,
        table: Box<[u8]>,
    },
    /// Open addressing over a hash of all bytes, holding `index + 1`, 0 = empty: for models
    /// whose names share a fingerprint, or too many names for a u8 table.
    Table(Box<[u32]>),
}

/// The length and seven bytes at fixed fractions of a name, packed. Runs on the unguarded
/// hot path, so it cannot panic: bytes are read with `get` and no position overflows.
#[inline(always)]
fn fingerprint(b: &[u8]) -> u64 {
    let n = b.len();
    let last = n.saturating_sub(1);
    let at = |i: usize, shift: u32| (b.get(i).copied().unwrap_or(0) as u64) << shift;
    (n as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15)
        ^ (at(0, 0)
            | at(1.min(last), 8)
            | at(n / 4, 16)
            | at(n / 2, 24)
            | at(n / 2 + n / 4, 32)
            | at(n.saturating_sub(2), 40)
            | at(last, 48))
}

/// A perfect hash of `names` into at most 16 entries per name, if one is found.
fn perfect(names: &[Box<[u8]>]) -> Option<Index> {
    if names.len() >= u8::MAX as usize || names.iter().any(|n| n.is_empty()) {
        return None;
    }
    let fps: Vec<u64> = names.iter().map(|n| fingerprint(n)).collect();
    let min_bits = (names.len().max(1) * 2)
        .next_power_of_two()
        .trailing_zeros();
    let mut rng = 0x243f_6a88_85a3_08d3u64; // deterministic: the same model, the same table
    for bits in min_bits..min_bits + 4 {
        let shift = 64 - bits;
        let mut table = vec![0u8; 1 << bits];
        'seed: for _ in 0..64 {
            rng = rng.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let seed = splitmix(rng) | 1;
            table.iter_mut().for_each(|t| *t = 0);
            for (i, fp) in fps.iter().enumerate() {
                let pos = (fp.wrapping_mul(seed) >> shift) as usize;
                if table[pos] != 0 {
                    continue 'seed;
                }
                table[pos] = i as u8 + 1;
            }
            return Some(Index::Perfect {
                seed,
                shift,
                table: table.into_boxed_slice(),
            });
        }
    }
    None
}

fn splitmix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

impl Weights {
    /// Parses a JSON object of event name to finite number.
    pub fn parse_json(text: &str) -> Result<Self, CesError> {
        check_model_size(text.len())?;
        let value: serde_json::Value = serde_json::from_str(text)
            .map_err(|e| CesError::invalid(format!("weights are not valid JSON: {e}")))?;
        Self::from_value(&value)
    }

    pub fn from_value(value: &serde_json::Value) -> Result<Self, CesError> {
        let obj = value.as_object().ok_or_else(|| {
            CesError::invalid(format!(
                "weights must be a JSON object mapping event names to numbers, got {}",
                json_type_name(value)
            ))
            .with_hint(r#"for example '{"login": 1, "project_added": 5}'"#)
        })?;
        check_event_types(obj.len())?;
        let mut pairs = Vec::with_capacity(obj.len());
        let mut ticker = Ticker::default();
        for (name, v) in obj {
            ticker.tick();
            check_event_name(name)?;
            let w = weight_number(v, &format!("weight for event \"{name}\""))?;
            pairs.push((name.as_str(), w));
        }
        Ok(Self::from_pairs(pairs))
    }

    /// Builds from already validated pairs (names unique, weights finite).
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, f64)>) -> Self {
        let (names, weights): (Vec<Box<[u8]>>, Vec<f64>) = pairs
            .into_iter()
            .map(|(n, w)| (n.as_bytes().to_vec().into_boxed_slice(), w))
            .unzip();
        let index = perfect(&names).unwrap_or_else(|| {
            let size = (names.len() * 2).next_power_of_two();
            let mut slots = vec![0u32; size];
            for (i, name) in names.iter().enumerate() {
                let mut pos = hash(name) as usize & (size - 1);
                while slots[pos] != 0 {
                    pos = (pos + 1) & (size - 1);
                }
                slots[pos] = i as u32 + 1;
            }
            Index::Table(slots.into_boxed_slice())
        });
        Weights {
            names,
            weights,
            index,
        }
    }

    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// Position of `event` in the model, if weighted (always `< self.len()`). Runs on the
    /// unguarded hot paths, so it cannot panic: every index goes through `get`, `shift` is
    /// below 64 (`perfect` makes it), and the probe loop ends at an empty entry (the table
    /// has twice as many entries as names).
    #[inline]
    pub fn index_of(&self, event: &[u8]) -> Option<usize> {
        match &self.index {
            Index::Perfect { seed, shift, table } => {
                if event.is_empty() {
                    return None;
                }
                let pos = fingerprint(event).wrapping_mul(*seed).wrapping_shr(*shift) as usize;
                let i = (*table.get(pos)? as usize).checked_sub(1)?;
                (**self.names.get(i)? == *event).then_some(i)
            }
            Index::Table(slots) => {
                let mask = slots.len().wrapping_sub(1);
                let mut pos = hash(event) as usize & mask;
                loop {
                    let i = (*slots.get(pos)? as usize).checked_sub(1)?;
                    if **self.names.get(i)? == *event {
                        return Some(i);
                    }
                    pos = pos.wrapping_add(1) & mask;
                }
            }
        }
    }

    /// Weight of `event`, or `None` when the model does not weight it (it then scores 0).
    #[inline]
    pub fn get(&self, event: &[u8]) -> Option<f64> {
        self.index_of(event)
            .and_then(|i| self.weights.get(i).copied())
    }

    pub fn name(&self, i: usize) -> &str {
        std::str::from_utf8(&self.names[i]).expect("names come from JSON strings")
    }

    pub fn weight(&self, i: usize) -> f64 {
        self.weights[i]
    }
}

/// A weight or cap: a finite number within ±`MAX_WEIGHT`.
pub(crate) fn weight_number(v: &serde_json::Value, what: &str) -> Result<f64, CesError> {
    let x = finite_number(v, what)?;
    if x.abs() > MAX_WEIGHT {
        return Err(CesError::invalid(format!(
            "{what} is out of range: {}; weights and caps are limited to ±1e15",
            shorten(&v.to_string())
        )));
    }
    Ok(x)
}

/// Refuses model text longer than `MAX_MODEL_BYTES` before parsing it (54000).
pub(crate) fn check_model_size(bytes: usize) -> Result<(), CesError> {
    if bytes > MAX_MODEL_BYTES {
        return Err(CesError::limit(format!(
            "model of {bytes} bytes exceeds the limit of {MAX_MODEL_BYTES} bytes"
        )));
    }
    Ok(())
}

/// An event name must not be empty, nor hold a NUL byte: PostgreSQL text cannot, so such a
/// name could never match an event, and jsonb (ces_model_at, snapshots, views) refuses it.
pub(crate) fn check_event_name(name: &str) -> Result<(), CesError> {
    if name.is_empty() {
        return Err(CesError::invalid("weights contain an empty event name"));
    }
    if name.contains('\0') {
        return Err(CesError::invalid(format!(
            "event name {name:?} contains a NUL character"
        )));
    }
    Ok(())
}

/// Refuses more than `MAX_EVENT_TYPES` event types before building anything (54000).
pub(crate) fn check_event_types(n: usize) -> Result<(), CesError> {
    if n > MAX_EVENT_TYPES {
        return Err(CesError::limit(format!(
            "model of {n} event types exceeds the limit of {MAX_EVENT_TYPES} event types"
        )));
    }
    Ok(())
}

/// FNV-1a: short keys, no allocation, good enough spread for a few hundred names.
#[inline]
fn hash(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= b as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn textbook_weights() {
        let w = Weights::parse_json(
            r#"{"login":1,"team_member_added":10,"project_added":5,"upgraded":50}"#,
        )
        .unwrap();
        let score = 30.0 * w.get(b"login").unwrap()
            + 4.0 * w.get(b"team_member_added").unwrap()
            + 5.0 * w.get(b"project_added").unwrap()
            + w.get(b"upgraded").unwrap();
        assert_eq!(score, 145.0);
        assert_eq!(w.get(b"logout"), None);
        assert_eq!(w.get(b""), None);
    }

    #[test]
    fn negative_and_fractional_weights() {
        let w = Weights::parse_json(r#"{"support_ticket":-5,"x":0.25}"#).unwrap();
        assert_eq!(w.get(b"support_ticket"), Some(-5.0));
        assert_eq!(w.get(b"x"), Some(0.25));
    }

    /// The hot paths call `get` outside PostgreSQL's error handling: any bytes, both index
    /// kinds, no panic (names that are not UTF-8, empty, one byte, long, near-misses).
    #[test]
    fn lookup_never_panics() {
        let small = Weights::parse_json(r#"{"l":1,"login":2,"\u00e9":3}"#).unwrap();
        let json = format!(
            "{{{}}}",
            (0..300)
                .map(|i| format!("\"e{i}\":{i}"))
                .collect::<Vec<_>>()
                .join(",")
        );
        let large = Weights::parse_json(&json).unwrap();
        let long = vec![b'l'; 1 << 20];
        let probes: [&[u8]; 9] = [
            b"",
            b"l",
            b"lo",
            b"login",
            b"logiN",
            b"\xe9",
            b"\xc3\xa9",
            b"\xff\xfe\x00",
            &long,
        ];
        for p in probes {
            let _ = small.get(p);
            let _ = large.get(p);
        }
        assert_eq!(small.get("é".as_bytes()), Some(3.0));
        assert_eq!(small.get(b"\xe9"), None);
        assert_eq!(large.get(b"e299"), Some(299.0));
        assert_eq!(Weights::parse_json("{}").unwrap().get(b"x"), None);
    }

    /// Weights `{"<prefix>0": 0, "<prefix>1": 1, ...}` of `n` event types.
    fn numbered(prefix: &str, n: usize) -> Weights {
        let pairs: Vec<String> = (0..n).map(|i| format!("\"{prefix}{i}\":{i}")).collect();
        Weights::parse_json(&format!("{{{}}}", pairs.join(","))).unwrap()
    }

    #[test]
    fn large_models_use_the_table() {
        let w = numbered("ev", 200);
        for i in 0..200 {
            assert_eq!(w.get(format!("ev{i}").as_bytes()), Some(i as f64));
        }
        assert_eq!(w.get(b"ev200"), None);
        assert_eq!(w.get(b"e"), None);
        let w = numbered("event_", 300);
        assert!(matches!(w.index, Index::Table(_)));
        for i in 0..300 {
            assert_eq!(w.get(format!("event_{i}").as_bytes()), Some(i as f64));
        }
        assert_eq!(w.get(b"event_300"), None);
    }

    #[test]
    fn names_with_one_fingerprint_fall_back_to_the_table() {
        // Bytes 0, 1, 3, 6, 9, 11 and 12 of both names are equal.
        assert_eq!(fingerprint(b"project_added"), fingerprint(b"project_adxed"));
        let w = Weights::parse_json(r#"{"project_added":5,"project_adxed":7,"login":1}"#).unwrap();
        assert!(matches!(w.index, Index::Table(_)));
        assert_eq!(w.get(b"project_added"), Some(5.0));
        assert_eq!(w.get(b"project_adxed"), Some(7.0));
        assert_eq!(w.get(b"project_adyed"), None);
        assert_eq!(w.get(b"login"), Some(1.0));
    }

    #[test]
    fn perfect_hash_finds_every_name_and_no_other() {
        let names = [
            "login",
            "project_added",
            "team_member_added",
            "upgraded",
            "support_ticket",
            "downgraded",
            "invite_sent",
            "a",
            "ab",
            "é",
            "login ",
            "Login",
        ];
        let w = Weights::from_pairs(names.iter().enumerate().map(|(i, n)| (*n, i as f64)));
        assert!(matches!(w.index, Index::Perfect { .. }));
        for (i, n) in names.iter().enumerate() {
            assert_eq!(w.get(n.as_bytes()), Some(i as f64), "{n}");
        }
        for other in [
            "report_viewed",
            "logins",
            "b",
            "",
            "LOGIN",
            "upgradeD",
            "team_member_adde",
        ] {
            assert_eq!(w.get(other.as_bytes()), None, "{other}");
        }
    }

    fn err(json: &str) -> String {
        Weights::parse_json(json).unwrap_err().message
    }

    #[test]
    fn errors_name_the_bad_key_or_value() {
        assert!(err("[1,2]").contains("must be a JSON object"));
        assert!(err("[1,2]").contains("got array"));
        assert!(err("3").contains("got number"));
        assert!(err(r#"{"login":"x"}"#)
            .contains("weight for event \"login\" must be a number, got string \"x\""));
        assert!(err(r#"{"login":null}"#).ends_with("\"login\" must be a number, got null"));
        assert!(err(r#"{"login":true}"#).contains("got boolean"));
        assert!(err(r#"{"big":1e400}"#)
            .contains("weight for event \"big\" is out of range for double precision: 1e+400"));
        assert!(err(r#"{"neg":-1e309}"#).contains("\"neg\" is out of range"));
        assert!(err(r#"{"":1}"#).contains("empty event name"));
        assert!(err("{").contains("not valid JSON"));
    }

    #[test]
    fn empty_object_is_a_valid_model() {
        let w = Weights::parse_json("{}").unwrap();
        assert!(w.is_empty());
        assert_eq!(w.get(b"login"), None);
    }
}
