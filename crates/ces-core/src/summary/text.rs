//! The readable text form of a summary (type input and output).

use super::check::{check_header, check_model, check_own_window, check_slot};
use super::state::{Header, Slot, NO_FIRST, NO_TS, UNKNOWN_FIRST};
use crate::error::{CesError, ErrorKind};
use crate::limits::MAX_MODEL_BYTES;
use crate::model::Model;
use crate::time::{format_timestamp, TimeParser};
use serde_json::{Map, Value};

/// Readable text form: `{"model": {...}, "as_of": "...", "events": n, "unweighted": n,
/// "first_seen": "...", "last_seen": "...", "counts": {"login": [count, decayed], ...}}`.
/// Floats print in shortest round-trip form, so text I/O is exact. first_seen is left out
/// only when nothing was counted and none is recorded; text without it otherwise (0.1.0)
/// reads as unrecorded.
pub fn to_json(h: &Header, slots: &[Slot], model: &Model) -> String {
    let mut counts = Map::new();
    for (i, s) in slots
        .iter()
        .enumerate()
        .filter(|(_, s)| s.count != 0 || s.decayed != 0.0)
    {
        counts.insert(
            model.weights.name(i).to_string(),
            Value::Array(vec![Value::from(s.count), float(s.decayed)]),
        );
    }
    let mut m = Map::new();
    m.insert(
        "model".into(),
        serde_json::from_str(&model.body).expect("canonical model JSON"),
    );
    if h.timed == 1 {
        m.insert("as_of".into(), Value::String(format_timestamp(h.anchor)));
    }
    m.insert("events".into(), Value::from(h.events));
    m.insert("unweighted".into(), Value::from(h.unweighted));
    if h.last_seen != NO_TS {
        m.insert(
            "last_seen".into(),
            Value::String(format_timestamp(h.last_seen)),
        );
    }
    if !(h.first_seen == NO_FIRST && h.events == 0) {
        m.insert(
            "first_seen".into(),
            Value::String(format_timestamp(h.first_seen)),
        );
    }
    m.insert("counts".into(), Value::Object(counts));
    Value::Object(m).to_string()
}

fn float(x: f64) -> Value {
    serde_json::Number::from_f64(x)
        .map(Value::Number)
        .unwrap_or(Value::Null)
}

/// Bytes of a summary's text form: its model plus a few numbers per event type.
const MAX_SUMMARY_TEXT_BYTES: usize = 4 * MAX_MODEL_BYTES;

/// Parses the text form back into a model, header and slots; malformed or inconsistent
/// text is 22P02 (the rules are `decode`'s).
pub fn from_json(text: &str, tp: &dyn TimeParser) -> Result<(Model, Header, Vec<Slot>), CesError> {
    if text.len() > MAX_SUMMARY_TEXT_BYTES {
        return Err(CesError::limit(format!(
            "ces_summary text of {} bytes exceeds the limit of {MAX_SUMMARY_TEXT_BYTES} bytes",
            text.len()
        )));
    }
    let bad = |why: String| CesError::text(format!("invalid ces_summary: {why}"));
    let v: Value = serde_json::from_str(text).map_err(|e| bad(format!("not valid JSON: {e}")))?;
    let o = v
        .as_object()
        .ok_or_else(|| bad("not a JSON object".into()))?;
    if let Some(k) = o.keys().find(|k| {
        ![
            "model",
            "as_of",
            "events",
            "unweighted",
            "last_seen",
            "first_seen",
            "counts",
        ]
        .contains(&k.as_str())
    }) {
        return Err(bad(format!("unknown key \"{k}\"")));
    }
    let model_v = o.get("model").ok_or_else(|| bad("no \"model\"".into()))?;
    if model_v.get("as_of").is_some() {
        return Err(bad(
            "the model must not carry as_of; the summary's \"as_of\" holds it".into(),
        ));
    }
    let model = Model::parse_json(&model_v.to_string(), tp).map_err(|e| match e.kind {
        ErrorKind::InvalidParameter => CesError {
            message: format!("invalid ces_summary: {}", e.message),
            ..e.with_kind(ErrorKind::InvalidText)
        },
        _ => e,
    })?;
    let int = |k: &str| -> Result<i64, CesError> {
        match o.get(k) {
            None => Ok(0),
            Some(x) => x
                .as_i64()
                .ok_or_else(|| bad(format!("\"{k}\" must be an integer"))),
        }
    };
    let ts = |k: &str| -> Result<Option<i64>, CesError> {
        match o.get(k) {
            None => Ok(None),
            Some(Value::String(s)) => tp
                .timestamp(s)
                .map(Some)
                .map_err(|e| bad(format!("\"{k}\": {e}"))),
            Some(_) => Err(bad(format!("\"{k}\" must be a timestamp string"))),
        }
    };
    let anchor = ts("as_of")?;
    let timed = model.has_time_rules() || anchor.is_some();
    if model.has_time_rules() && anchor.is_none() {
        return Err(bad("a model with time rules needs \"as_of\"".into()));
    }
    let mut slots = vec![Slot::default(); model.len()];
    let mut weighted: i64 = 0;
    if let Some(c) = o.get("counts") {
        let c = c
            .as_object()
            .ok_or_else(|| bad("\"counts\" must be an object".into()))?;
        for (name, pair) in c {
            let i = model
                .weights
                .index_of(name.as_bytes())
                .ok_or_else(|| bad(format!("event \"{name}\" is not in the model")))?;
            let arr = pair
                .as_array()
                .filter(|a| a.len() == 2)
                .ok_or_else(|| bad(format!("counts of \"{name}\" must be [count, decayed]")))?;
            let count = arr[0]
                .as_i64()
                .ok_or_else(|| bad(format!("count of \"{name}\" must be an integer")))?;
            let decayed = match &arr[1] {
                Value::Number(n) => n.to_string().parse::<f64>().ok(),
                _ => None,
            }
            .ok_or_else(|| bad(format!("decayed sum of \"{name}\" must be a number")))?;
            let slot = Slot { count, decayed };
            check_slot(&slot).map_err(|why| bad(format!("event \"{name}\": {why}")))?;
            weighted = weighted
                .checked_sub(slots[i].count)
                .and_then(|w| w.checked_add(count))
                .ok_or_else(|| bad("event counts overflow".into()))?;
            slots[i] = slot;
        }
    }
    let events = int("events")?;
    let last_seen = ts("last_seen")?.unwrap_or(NO_TS);
    let first_seen =
        ts("first_seen")?.unwrap_or(if events == 0 { NO_FIRST } else { UNKNOWN_FIRST });
    let header = Header {
        model: 0,
        anchor: anchor.unwrap_or(0),
        events,
        unweighted: int("unweighted")?,
        last_seen,
        first_seen,
        next: 0,
        nslots: model.len() as u32,
        timed: timed as u32,
    };
    check_header(&header, weighted).map_err(bad)?;
    check_model(&header, &slots, &model).map_err(bad)?;
    check_own_window(&header, &model).map_err(bad)?;
    Ok((model, header, slots))
}
