//! Event weights: `{"login": 1, "upgraded": 50, "support_ticket": -5}`.
//! Parsed and validated once per query; `get` is the per-row hot path, so the
//! lookup avoids hashing for small models and never allocates.

use crate::error::{finite_number, json_type_name, CesError};

/// Models with at most this many events are searched linearly (length check first);
/// larger ones go through an open-addressing table.
const LINEAR_MAX: usize = 8;

#[derive(Debug, Clone)]
pub struct Weights {
    names: Vec<Box<[u8]>>,
    weights: Vec<f64>,
    /// Open-addressing slots holding `index + 1`, 0 = empty. Empty when linear.
    slots: Vec<u32>,
}

impl Weights {
    /// Parses a JSON object of event name to finite number.
    pub fn parse_json(text: &str) -> Result<Self, CesError> {
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
        let mut pairs = Vec::with_capacity(obj.len());
        for (name, v) in obj {
            if name.is_empty() {
                return Err(CesError::invalid("weights contain an empty event name"));
            }
            let w = finite_number(v, &format!("weight for event \"{name}\""))?;
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
        let mut model = Weights {
            names,
            weights,
            slots: Vec::new(),
        };
        if model.names.len() > LINEAR_MAX {
            let size = (model.names.len() * 2).next_power_of_two();
            model.slots = vec![0; size];
            for i in 0..model.names.len() {
                let mut pos = hash(&model.names[i]) as usize & (size - 1);
                while model.slots[pos] != 0 {
                    pos = (pos + 1) & (size - 1);
                }
                model.slots[pos] = i as u32 + 1;
            }
        }
        model
    }

    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// Position of `event` in the model, if weighted.
    #[inline]
    pub fn index_of(&self, event: &[u8]) -> Option<usize> {
        if self.slots.is_empty() {
            self.names
                .iter()
                .position(|n| n.len() == event.len() && **n == *event)
        } else {
            let mask = self.slots.len() - 1;
            let mut pos = hash(event) as usize & mask;
            loop {
                let slot = self.slots[pos];
                if slot == 0 {
                    return None;
                }
                let i = slot as usize - 1;
                if *self.names[i] == *event {
                    return Some(i);
                }
                pos = (pos + 1) & mask;
            }
        }
    }

    /// Weight of `event`, or `None` when the model does not weight it (it then scores 0).
    #[inline]
    pub fn get(&self, event: &[u8]) -> Option<f64> {
        self.index_of(event).map(|i| self.weights[i])
    }

    pub fn name(&self, i: usize) -> &str {
        std::str::from_utf8(&self.names[i]).expect("names come from JSON strings")
    }

    pub fn weight(&self, i: usize) -> f64 {
        self.weights[i]
    }
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

    #[test]
    fn large_models_use_the_table() {
        let json: String = format!(
            "{{{}}}",
            (0..200)
                .map(|i| format!("\"ev{i}\":{i}"))
                .collect::<Vec<_>>()
                .join(",")
        );
        let w = Weights::parse_json(&json).unwrap();
        assert!(!w.slots.is_empty());
        for i in 0..200 {
            assert_eq!(w.get(format!("ev{i}").as_bytes()), Some(i as f64));
        }
        assert_eq!(w.get(b"ev200"), None);
        assert_eq!(w.get(b"e"), None);
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
