//! Score bands: an ascending JSON array such as
//! `[{"name":"low","upto":40},{"name":"medium","below":80},{"name":"high"}]`.
//! `upto` is an inclusive upper bound, `below` an exclusive one, and the last band is open.
//! A scheme is at most `MAX_BANDS` bands and `MAX_BANDS_BYTES` of text, refused up front;
//! parsing is linear (names checked in a hash set) and checks for interrupts.

use crate::error::{finite_number, json_type_name, CesError};
use crate::interrupt::Ticker;
use crate::limits::{MAX_BANDS, MAX_BANDS_BYTES};
use std::collections::HashSet;

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Bound {
    UpTo(f64),
    Below(f64),
    Open,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Band {
    pub name: String,
    pub bound: Bound,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Bands {
    bands: Vec<Band>,
}

/// The default scheme from the engagement-score literature; `ces_default_bands()` returns it.
pub const DEFAULT_BANDS_JSON: &str = r#"[{"name": "churn risk", "below": 0}, {"name": "very disengaged", "upto": 40}, {"name": "somewhat engaged", "upto": 70}, {"name": "highly engaged", "upto": 100}, {"name": "power user"}]"#;

impl Bands {
    pub fn default_bands() -> Self {
        Bands::parse_json(DEFAULT_BANDS_JSON).expect("default bands are valid")
    }

    pub fn parse_json(text: &str) -> Result<Self, CesError> {
        if text.len() > MAX_BANDS_BYTES {
            return Err(CesError::limit(format!(
                "bands scheme is {} bytes; the limit is {MAX_BANDS_BYTES} bytes",
                text.len()
            )));
        }
        let value: serde_json::Value = serde_json::from_str(text)
            .map_err(|e| CesError::invalid(format!("bands are not valid JSON: {e}")))?;
        Self::from_value(&value)
    }

    pub fn from_value(value: &serde_json::Value) -> Result<Self, CesError> {
        let hint = r#"bands look like '[{"name":"low","upto":40},{"name":"medium","upto":80},{"name":"high"}]'"#;
        let items = value.as_array().ok_or_else(|| {
            CesError::invalid(format!(
                "bands must be a JSON array, got {}",
                json_type_name(value)
            ))
            .with_hint(hint)
        })?;
        if items.is_empty() {
            return Err(CesError::invalid("bands must not be empty").with_hint(hint));
        }
        if items.len() > MAX_BANDS {
            return Err(CesError::limit(format!(
                "bands scheme has {} bands; the limit is {MAX_BANDS} bands",
                items.len()
            )));
        }
        let mut bands: Vec<Band> = Vec::with_capacity(items.len());
        let mut names: HashSet<&str> = HashSet::with_capacity(items.len());
        let mut tick = Ticker::default();
        for (i, item) in items.iter().enumerate() {
            tick.tick();
            let obj = item.as_object().ok_or_else(|| {
                CesError::invalid(format!(
                    "band {} must be a JSON object, got {}",
                    i + 1,
                    json_type_name(item)
                ))
            })?;
            if let Some(key) = obj
                .keys()
                .find(|k| !matches!(k.as_str(), "name" | "upto" | "below"))
            {
                return Err(
                    CesError::invalid(format!("band {} has unknown key \"{key}\"", i + 1))
                        .with_hint("allowed keys are \"name\", \"upto\" and \"below\""),
                );
            }
            let name = match obj.get("name") {
                None => return Err(CesError::invalid(format!("band {} has no \"name\"", i + 1))),
                Some(serde_json::Value::String(s)) if s.is_empty() => {
                    return Err(CesError::invalid(format!(
                        "band {} has an empty name",
                        i + 1
                    )))
                }
                Some(serde_json::Value::String(s)) => s,
                Some(other) => {
                    return Err(CesError::invalid(format!(
                        "band {} name must be a string, got {}",
                        i + 1,
                        json_type_name(other)
                    )))
                }
            };
            if !names.insert(name) {
                return Err(CesError::invalid(format!(
                    "band name \"{}\" appears twice",
                    crate::error::shorten(name)
                )));
            }
            let bound = match (obj.get("upto"), obj.get("below")) {
                (Some(_), Some(_)) => {
                    return Err(CesError::invalid(format!(
                        "band \"{name}\" has both \"upto\" and \"below\""
                    )))
                }
                (Some(v), None) => Bound::UpTo(finite_number(v, &format!("band \"{name}\" upto"))?),
                (None, Some(v)) => {
                    Bound::Below(finite_number(v, &format!("band \"{name}\" below"))?)
                }
                (None, None) => Bound::Open,
            };
            let last = i + 1 == items.len();
            match (bound, last) {
                (Bound::Open, false) => {
                    return Err(CesError::invalid(format!(
                        "band \"{name}\" has no bound but is not the last band"
                    ))
                    .with_hint(
                        "only the last band may be open; give the others \"upto\" or \"below\"",
                    ))
                }
                (Bound::UpTo(_) | Bound::Below(_), true) => {
                    return Err(CesError::invalid(format!(
                        "the last band \"{name}\" must be open (no \"upto\" or \"below\")"
                    ))
                    .with_hint("the last band takes every score above the previous bound"))
                }
                _ => {}
            }
            if let (Some(prev), Some(x)) = (
                bands.last().and_then(|b| bound_value(b.bound)),
                bound_value(bound),
            ) {
                if x <= prev {
                    return Err(CesError::invalid(format!(
                        "band bounds must be strictly increasing: \"{name}\" has {x} after {prev}"
                    )));
                }
            }
            bands.push(Band {
                name: name.clone(),
                bound,
            });
        }
        Ok(Bands { bands })
    }

    /// The band of `score`. NaN has no band.
    pub fn classify(&self, score: f64) -> Result<&str, CesError> {
        Ok(&self.bands[self.index(score)?].name)
    }

    /// Index of the band of `score`: the first band whose bound admits it. Bounds increase
    /// strictly and the last band is open, so "admits" is monotone: a binary search.
    pub fn index(&self, score: f64) -> Result<usize, CesError> {
        if score.is_nan() {
            return Err(CesError::invalid("score is NaN and has no band"));
        }
        let admits = |b: &Band| match b.bound {
            Bound::UpTo(x) => score <= x,
            Bound::Below(x) => score < x,
            Bound::Open => true,
        };
        // The last band is open (checked by the parser), so the search ends inside.
        Ok(self
            .bands
            .partition_point(|b| !admits(b))
            .min(self.bands.len() - 1))
    }

    /// The scheme as JSON text, in the form `parse_json` reads back to an equal scheme.
    pub fn to_json(&self) -> String {
        let items: Vec<serde_json::Value> = self
            .bands
            .iter()
            .map(|b| {
                let mut m = serde_json::Map::new();
                m.insert("name".into(), serde_json::Value::String(b.name.clone()));
                match b.bound {
                    Bound::UpTo(x) => {
                        m.insert("upto".into(), number(x));
                    }
                    Bound::Below(x) => {
                        m.insert("below".into(), number(x));
                    }
                    Bound::Open => {}
                }
                serde_json::Value::Object(m)
            })
            .collect();
        serde_json::Value::Array(items).to_string()
    }

    pub fn bands(&self) -> &[Band] {
        &self.bands
    }
}

/// A finite f64 as a JSON number that reads back to the same f64 (shortest round-trip form).
fn number(x: f64) -> serde_json::Value {
    let text = if x == x.trunc() && x.abs() < 1e15 {
        format!("{x:.0}")
    } else {
        format!("{x:e}")
    };
    serde_json::from_str(&text).expect("a finite f64 prints as a JSON number")
}

fn bound_value(b: Bound) -> Option<f64> {
    match b {
        Bound::UpTo(x) | Bound::Below(x) => Some(x),
        Bound::Open => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_boundaries() {
        let b = Bands::default_bands();
        let cases = [
            (-0.001, "churn risk"),
            (f64::NEG_INFINITY, "churn risk"),
            (0.0, "very disengaged"),
            (-0.0, "very disengaged"),
            (40.0, "very disengaged"),
            (40.0001, "somewhat engaged"),
            (70.0, "somewhat engaged"),
            (70.5, "highly engaged"),
            (100.0, "highly engaged"),
            (100.5, "power user"),
            (f64::INFINITY, "power user"),
        ];
        for (s, want) in cases {
            assert_eq!(b.classify(s).unwrap(), want, "score {s}");
        }
        assert!(b.classify(f64::NAN).is_err());
    }

    #[test]
    fn custom_bands_upto_and_below() {
        let b = Bands::parse_json(
            r#"[{"name":"low","upto":40},{"name":"medium","below":80},{"name":"high"}]"#,
        )
        .unwrap();
        assert_eq!(b.classify(40.0).unwrap(), "low");
        assert_eq!(b.classify(79.99).unwrap(), "medium");
        assert_eq!(b.classify(80.0).unwrap(), "high");
    }

    #[test]
    fn single_open_band() {
        let b = Bands::parse_json(r#"[{"name":"all"}]"#).unwrap();
        assert_eq!(b.classify(-1e300).unwrap(), "all");
    }

    fn err(json: &str) -> String {
        Bands::parse_json(json).unwrap_err().message
    }

    #[test]
    fn validation_messages() {
        assert_eq!(err("[]"), "bands must not be empty");
        assert!(err("{}").contains("must be a JSON array, got object"));
        assert!(err("[1]").contains("band 1 must be a JSON object, got number"));
        assert!(err(r#"[{"upto":1},{"name":"b"}]"#).contains("band 1 has no \"name\""));
        assert!(err(r#"[{"name":"","upto":1},{"name":"b"}]"#).contains("band 1 has an empty name"));
        assert!(err(r#"[{"name":7,"upto":1},{"name":"b"}]"#).contains("name must be a string"));
        assert!(err(r#"[{"name":"a","upto":1},{"name":"a"}]"#).contains("\"a\" appears twice"));
        assert!(err(r#"[{"name":"a","upto":1e400},{"name":"b"}]"#)
            .contains("band \"a\" upto is out of range"));
        assert!(err(r#"[{"name":"a","upto":"x"},{"name":"b"}]"#)
            .contains("band \"a\" upto must be a number"));
        assert!(
            err(r#"[{"name":"a","upto":5},{"name":"b","below":5},{"name":"c"}]"#)
                .contains("strictly increasing: \"b\" has 5 after 5")
        );
        assert!(err(r#"[{"name":"a","upto":1,"below":2},{"name":"b"}]"#)
            .contains("both \"upto\" and \"below\""));
        assert!(err(r#"[{"name":"a","upto":1},{"name":"b","upto":2}]"#)
            .contains("last band \"b\" must be open"));
        assert!(err(r#"[{"name":"a"},{"name":"b"}]"#)
            .contains("\"a\" has no bound but is not the last"));
        assert!(
            err(r#"[{"name":"a","upto":1,"colour":"red"},{"name":"b"}]"#)
                .contains("unknown key \"colour\"")
        );
    }
}
