//! Scoring models: weights per event type, optional half-life decay (model-wide or per event),
//! caps on an event type's total points, a lookback window and a fixed as_of.
//! The canonical JSON text is what the `ces_model` type stores, compares and dumps.

use crate::error::{describe, json_type_name, CesError};
use crate::interrupt::Ticker;
use crate::time::{format_interval, format_timestamp, TimeParser, TS_INFINITY, TS_NEG_INFINITY};
use crate::weights::{
    check_event_name, check_event_types, check_model_size, weight_number, Weights,
};
use serde_json::{Map, Value};

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EventRule {
    pub weight: f64,
    /// Overrides the model's half-life for this event type (microseconds).
    pub half_life: Option<i64>,
    /// Largest absolute value of this event type's total points.
    pub cap: Option<f64>,
}

#[derive(Debug, Clone)]
pub struct Model {
    /// Event names (sorted) and their weights; slot `i` of a summary is event `i` here.
    pub weights: Weights,
    pub rules: Vec<EventRule>,
    pub half_life: Option<i64>,
    pub lookback: Option<i64>,
    pub as_of: Option<i64>,
    /// Canonical JSON without `as_of`: what summaries store and rollup compares.
    pub body: String,
}

const MODEL_KEYS: [&str; 4] = ["weights", "half_life", "lookback", "as_of"];
const RULE_KEYS: [&str; 3] = ["weight", "half_life", "cap"];

impl Model {
    /// Parses a model's JSON text: either a full model
    /// `{"weights": {...}, "half_life": "14 days", "lookback": "30 days", "as_of": "..."}`
    /// or a bare weights object `{"login": 1, ...}`, which has no time rules.
    pub fn parse_json(text: &str, tp: &dyn TimeParser) -> Result<Model, CesError> {
        check_model_size(text.len())?;
        let value: Value = serde_json::from_str(text)
            .map_err(|e| CesError::invalid(format!("model is not valid JSON: {e}")))?;
        let obj = value.as_object().ok_or_else(|| {
            CesError::invalid(format!("a model must be a JSON object, got {}", json_type_name(&value)))
                .with_hint(r#"for example '{"login": 1}' or '{"weights": {"login": 1}, "half_life": "14 days"}'"#)
        })?;
        if !matches!(obj.get("weights"), Some(Value::Object(_))) {
            return Model::build(&value, None, None, None, tp);
        }
        if let Some(key) = obj.keys().find(|k| !MODEL_KEYS.contains(&k.as_str())) {
            return Err(
                CesError::invalid(format!("model has unknown key \"{key}\"")).with_hint(
                    "a model's keys are \"weights\", \"half_life\", \"lookback\" and \"as_of\"",
                ),
            );
        }
        let text_field = |key: &str| -> Result<Option<&str>, CesError> {
            match obj.get(key) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.as_str())),
                Some(other) => Err(CesError::invalid(format!(
                    "model {key} must be a string, got {}",
                    describe(other)
                ))),
            }
        };
        let half_life = text_field("half_life")?
            .map(|s| parse_duration(s, "half_life", tp))
            .transpose()?;
        let lookback = text_field("lookback")?
            .map(|s| parse_duration(s, "lookback", tp))
            .transpose()?;
        let as_of = text_field("as_of")?
            .map(|s| {
                tp.timestamp(s).map_err(|e| {
                    CesError::invalid(format!("model as_of is not a valid timestamp: {e}"))
                })
            })
            .transpose()?;
        Model::build(&obj["weights"], half_life, lookback, as_of, tp)
    }

    /// Builds and validates a model from a weights object and its options.
    pub fn build(
        weights: &Value,
        half_life: Option<i64>,
        lookback: Option<i64>,
        as_of: Option<i64>,
        tp: &dyn TimeParser,
    ) -> Result<Model, CesError> {
        let obj = weights.as_object().ok_or_else(|| {
            CesError::invalid(format!(
                "weights must be a JSON object mapping event names to numbers, got {}",
                json_type_name(weights)
            ))
        })?;
        check_positive(half_life, "half_life")?;
        check_positive(lookback, "lookback")?;
        if let Some(t) = as_of {
            if t == TS_INFINITY || t == TS_NEG_INFINITY {
                return Err(
                    CesError::invalid("model as_of must be finite, got infinity")
                        .with_hint("leave as_of NULL to score at now()"),
                );
            }
        }
        check_event_types(obj.len())?;
        let mut pairs = Vec::with_capacity(obj.len());
        let mut rules = Vec::with_capacity(obj.len());
        let mut ticker = Ticker::default();
        // serde_json's map iterates in sorted key order, which fixes the slot order.
        for (name, v) in obj {
            ticker.tick();
            check_event_name(name)?;
            let rule = match v {
                Value::Object(rule) => parse_rule(name, rule, tp)?,
                _ => EventRule {
                    weight: weight_number(v, &format!("weight for event \"{name}\""))?,
                    half_life: None,
                    cap: None,
                },
            };
            pairs.push((name.as_str(), rule.weight));
            rules.push(rule);
        }
        let mut model = Model {
            weights: Weights::from_pairs(pairs),
            rules,
            half_life,
            lookback,
            as_of,
            body: String::new(),
        };
        model.body = model.json(false);
        Ok(model)
    }

    /// A model from plain weights: no decay, no window.
    pub fn from_weights(weights: Weights) -> Model {
        let rules = (0..weights.len())
            .map(|i| EventRule {
                weight: weights.weight(i),
                half_life: None,
                cap: None,
            })
            .collect();
        let mut model = Model {
            weights,
            rules,
            half_life: None,
            lookback: None,
            as_of: None,
            body: String::new(),
        };
        model.body = model.json(false);
        model
    }

    /// Canonical JSON text, with as_of.
    pub fn to_json(&self) -> String {
        self.json(true)
    }

    fn json(&self, with_as_of: bool) -> String {
        let mut w = Map::new();
        for (i, r) in self.rules.iter().enumerate() {
            let weight = number(r.weight);
            let v = if r.half_life.is_none() && r.cap.is_none() {
                weight
            } else {
                let mut o = Map::new();
                o.insert("weight".into(), weight);
                if let Some(h) = r.half_life {
                    o.insert("half_life".into(), Value::String(format_interval(h)));
                }
                if let Some(c) = r.cap {
                    o.insert("cap".into(), number(c));
                }
                Value::Object(o)
            };
            w.insert(self.weights.name(i).to_string(), v);
        }
        let mut m = model_object(w, self.half_life, self.lookback);
        if let (true, Some(t)) = (with_as_of, self.as_of) {
            m.insert("as_of".into(), Value::String(format_timestamp(t)));
        }
        Value::Object(m).to_string()
    }

    /// Any half-life, a lookback or an as_of: rows are then filtered and decayed against as_of.
    pub fn has_time_rules(&self) -> bool {
        self.as_of.is_some() || self.lookback.is_some() || self.has_decay()
    }

    pub fn has_decay(&self) -> bool {
        self.half_life.is_some() || self.rules.iter().any(|r| r.half_life.is_some())
    }

    /// 0.5^(age / half_life) for event `i` (1 when it does not decay); `age` in microseconds.
    #[inline]
    pub fn decay(&self, i: usize, age: i64) -> f64 {
        match self.half_life_of(i) {
            Some(hl) => (-(age as f64) / hl as f64).exp2(),
            None => 1.0,
        }
    }

    /// The factors 0.5^(age / half_life) for one `age`, computed once per distinct half-life
    /// (models usually have one), for re-anchoring and merging whole states.
    pub fn decayer(&self, age: i64) -> Decayer<'_> {
        Decayer {
            model: self,
            age,
            last: None,
            factor: 1.0,
        }
    }

    /// Half-life of event `i` in microseconds, if it decays.
    #[inline]
    pub fn half_life_of(&self, i: usize) -> Option<i64> {
        // `get`: reached from the unguarded hot paths, where it must not panic.
        self.rules
            .get(i)
            .and_then(|r| r.half_life)
            .or(self.half_life)
    }

    pub fn len(&self) -> usize {
        self.rules.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }
}

/// See `Model::decayer`.
pub struct Decayer<'a> {
    model: &'a Model,
    age: i64,
    last: Option<i64>,
    factor: f64,
}

impl Decayer<'_> {
    /// Equals `model.decay(i, age)`.
    #[inline]
    pub fn factor(&mut self, i: usize) -> f64 {
        match self.model.half_life_of(i) {
            None => 1.0,
            hl if hl == self.last => self.factor,
            hl => {
                self.last = hl;
                self.factor = self.model.decay(i, self.age);
                self.factor
            }
        }
    }
}

fn parse_rule(
    name: &str,
    rule: &Map<String, Value>,
    tp: &dyn TimeParser,
) -> Result<EventRule, CesError> {
    if let Some(key) = rule.keys().find(|k| !RULE_KEYS.contains(&k.as_str())) {
        return Err(
            CesError::invalid(format!("event \"{name}\" has unknown key \"{key}\""))
                .with_hint("an event's keys are \"weight\", \"half_life\" and \"cap\""),
        );
    }
    let weight = match rule.get("weight") {
        Some(v) => weight_number(v, &format!("weight for event \"{name}\""))?,
        None => {
            return Err(CesError::invalid(format!(
                "event \"{name}\" has no \"weight\""
            )))
        }
    };
    let half_life = match rule.get("half_life") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(parse_duration(
            s,
            &format!("half_life for event \"{name}\""),
            tp,
        )?),
        Some(other) => {
            return Err(CesError::invalid(format!(
                "half_life for event \"{name}\" must be interval text such as \"7 days\", got {}",
                describe(other)
            )))
        }
    };
    let cap = match rule.get("cap") {
        None | Some(Value::Null) => None,
        Some(v) => {
            let c = weight_number(v, &format!("cap for event \"{name}\""))?;
            if c < 0.0 {
                return Err(CesError::invalid(format!(
                    "cap for event \"{name}\" must not be negative, got {c}"
                )));
            }
            Some(c)
        }
    };
    Ok(EventRule {
        weight,
        half_life,
        cap,
    })
}

/// A model's JSON object without as_of: its weights, and its half-life and lookback if any.
pub(crate) fn model_object(
    weights: Map<String, Value>,
    half_life: Option<i64>,
    lookback: Option<i64>,
) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("weights".into(), Value::Object(weights));
    if let Some(h) = half_life {
        m.insert("half_life".into(), Value::String(format_interval(h)));
    }
    if let Some(l) = lookback {
        m.insert("lookback".into(), Value::String(format_interval(l)));
    }
    m
}

/// A positive interval, in microseconds; `what` names it in errors.
pub(crate) fn parse_duration(text: &str, what: &str, tp: &dyn TimeParser) -> Result<i64, CesError> {
    let us = tp
        .interval(text)
        .map_err(|e| CesError::invalid(format!("{what} is not a valid interval: {e}")))?;
    if us <= 0 {
        return Err(CesError::invalid(format!(
            "{what} must be positive, got \"{text}\""
        )));
    }
    Ok(us)
}

fn check_positive(us: Option<i64>, what: &str) -> Result<(), CesError> {
    match us {
        Some(v) if v <= 0 => Err(CesError::invalid(format!(
            "{what} must be positive, got \"{}\"",
            if v == 0 {
                "00:00:00".to_string()
            } else {
                format!("-{}", format_interval(-v))
            }
        ))),
        _ => Ok(()),
    }
}

/// A weight as JSON: integers without a trailing ".0", so `1` stays `1`.
fn number(x: f64) -> Value {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        Value::from(x as i64)
    } else {
        serde_json::Number::from_f64(x)
            .map(Value::Number)
            .unwrap_or(Value::Null)
    }
}

/// The canonical text of a model, given its canonical text, with its as_of replaced (or
/// cleared for None) without parsing it: canonical keys are sorted, so `"as_of"` comes
/// first. None when `text` does not have that shape; the caller then parses it.
pub fn with_as_of(text: &str, as_of: Option<i64>) -> Option<String> {
    const AS_OF: &str = "{\"as_of\":\"";
    let rest = match text.strip_prefix(AS_OF) {
        Some(r) => r[r.find('"')? + 1..].strip_prefix(',')?,
        None => text.strip_prefix('{')?,
    };
    if !["\"half_life\":", "\"lookback\":", "\"weights\":"]
        .iter()
        .any(|k| rest.starts_with(k))
    {
        return None;
    }
    Some(match as_of {
        Some(t) => format!("{AS_OF}{}\",{rest}", format_timestamp(t)),
        None => format!("{{{rest}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{ts, TestTime};
    use crate::time::USECS_PER_DAY;

    fn parse(text: &str) -> Result<Model, CesError> {
        Model::parse_json(text, &TestTime)
    }

    #[test]
    fn bare_weights_are_a_model_without_time_rules() {
        let m = parse(r#"{"upgraded":50,"login":1}"#).unwrap();
        assert!(!m.has_time_rules());
        assert_eq!(m.to_json(), r#"{"weights":{"login":1,"upgraded":50}}"#);
        assert_eq!(m.weights.get(b"upgraded"), Some(50.0));
        // An event may be called "weights" as long as its weight is a number.
        assert_eq!(
            parse(r#"{"weights":2}"#).unwrap().weights.get(b"weights"),
            Some(2.0)
        );
    }

    #[test]
    fn full_model_round_trips_canonically() {
        let text = r#"{"weights":{"login":1,"ticket":{"weight":-5,"half_life":"7 days","cap":20}},"half_life":"14 days","lookback":"30 days","as_of":"2026-10-01 00:00:00+00"}"#;
        let m = parse(text).unwrap();
        assert_eq!(
            m.to_json(),
            r#"{"as_of":"2026-10-01 00:00:00+00","half_life":"14 days","lookback":"30 days","weights":{"login":1,"ticket":{"cap":20,"half_life":"7 days","weight":-5}}}"#
        );
        assert_eq!(parse(&m.to_json()).unwrap().to_json(), m.to_json());
        assert_eq!(m.half_life_of(0), Some(14 * USECS_PER_DAY));
        assert_eq!(m.half_life_of(1), Some(7 * USECS_PER_DAY));
        assert_eq!(m.as_of, Some(ts("2026-10-01 00:00:00+00")));
        assert!(!m.body.contains("as_of"));
        // a rule with only a weight collapses to the number
        assert_eq!(
            parse(r#"{"a":{"weight":2.5}}"#).unwrap().to_json(),
            r#"{"weights":{"a":2.5}}"#
        );
    }

    fn err(text: &str) -> String {
        parse(text).unwrap_err().message
    }

    #[test]
    fn errors_name_the_field() {
        assert!(
            err(r#"{"weights":{"a":1},"halflife":"7 days"}"#).contains("unknown key \"halflife\"")
        );
        assert!(err(r#"{"a":{"weight":1,"decay":2}}"#)
            .contains("event \"a\" has unknown key \"decay\""));
        assert!(err(r#"{"a":{"cap":1}}"#).contains("event \"a\" has no \"weight\""));
        assert!(err(r#"{"a":{"weight":1,"cap":-1}}"#)
            .contains("cap for event \"a\" must not be negative"));
        assert!(err(r#"{"a":{"weight":1,"half_life":"0 days"}}"#)
            .contains("half_life for event \"a\" must be positive"));
        assert!(err(r#"{"a":{"weight":1,"half_life":7}}"#)
            .contains("half_life for event \"a\" must be interval text"));
        assert!(err(r#"{"weights":{"a":1},"lookback":"-3 days"}"#)
            .contains("lookback must be positive"));
        assert!(err(r#"{"weights":{"a":1},"half_life":"soon"}"#)
            .contains("half_life is not a valid interval"));
        assert!(err(r#"{"weights":{"a":1},"as_of":"infinity"}"#).contains("as_of must be finite"));
        assert!(
            err(r#"{"weights":{"a":1},"as_of":"noon"}"#).contains("as_of is not a valid timestamp")
        );
        assert!(err(r#"{"a":"x"}"#).contains("weight for event \"a\" must be a number"));
        assert!(err("[1]").contains("must be a JSON object"));
        assert!(err(r#"{"weights":{"":1}}"#).contains("empty event name"));
    }

    #[test]
    fn options_are_validated_in_build() {
        let w: Value = serde_json::from_str(r#"{"a":1}"#).unwrap();
        assert!(Model::build(&w, Some(0), None, None, &TestTime)
            .unwrap_err()
            .message
            .contains("half_life must be positive"));
        assert!(
            Model::build(&w, None, Some(-USECS_PER_DAY), None, &TestTime)
                .unwrap_err()
                .message
                .contains("lookback must be positive, got \"-1 day\"")
        );
        assert!(Model::build(&w, None, None, Some(TS_INFINITY), &TestTime).is_err());
    }

    #[test]
    fn with_as_of_splices_the_canonical_text() {
        let at = ts("2026-10-01 00:00:00+00");
        for text in [
            r#"{"login":1,"as_of":1}"#,
            r#"{"weights":{"as_of":2,"login":1}}"#,
            r#"{"weights":{"login":1},"half_life":"7 days","lookback":"30 days","as_of":"2026-09-01 12:30:00+00"}"#,
            r#"{"weights":{"login":1},"lookback":"30 days"}"#,
        ] {
            let m = Model::parse_json(text, &TestTime).unwrap();
            for as_of in [
                None,
                Some(at),
                Some(at + 1),
                Some(-86_400_000_000 * 800_000),
            ] {
                let want = Model { as_of, ..m.clone() }.to_json();
                assert_eq!(
                    with_as_of(&m.to_json(), as_of).as_deref(),
                    Some(want.as_str()),
                    "{text}"
                );
            }
        }
        assert_eq!(with_as_of("[1]", None), None);
        assert_eq!(with_as_of(r#"{"as_of":"x"}"#, None), None);
        assert_eq!(with_as_of(r#"{"zz":1}"#, None), None);
    }
}
