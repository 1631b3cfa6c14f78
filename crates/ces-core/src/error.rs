//! One error type for the core. The pgrx layer maps each kind to a SQLSTATE,
//! so every message the user sees names the bad key or value and carries a stable code.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrorKind {
    /// SQLSTATE 22023 invalid_parameter_value
    InvalidParameter,
    /// SQLSTATE 22P02 invalid_text_representation: a type's text input is malformed.
    InvalidText,
    /// SQLSTATE 22P03 invalid_binary_representation: a type's binary input is malformed.
    InvalidBinary,
    /// SQLSTATE 22003 numeric_value_out_of_range: a count or sum overflowed.
    OutOfRange,
    /// SQLSTATE 54000 program_limit_exceeded: an input is larger than a documented limit.
    LimitExceeded,
    /// SQLSTATE 22021 character_not_in_repertoire: bytes that are not valid text.
    BadEncoding,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CesError {
    pub kind: ErrorKind,
    pub message: String,
    pub hint: Option<String>,
}

impl CesError {
    pub fn invalid(message: impl Into<String>) -> Self {
        CesError {
            kind: ErrorKind::InvalidParameter,
            message: message.into(),
            hint: None,
        }
    }

    pub fn of(kind: ErrorKind, message: impl Into<String>) -> Self {
        CesError {
            kind,
            message: message.into(),
            hint: None,
        }
    }

    /// A malformed text form (22P02).
    pub fn text(message: impl Into<String>) -> Self {
        Self::of(ErrorKind::InvalidText, message)
    }

    /// A malformed binary form (22P03).
    pub fn binary(message: impl Into<String>) -> Self {
        Self::of(ErrorKind::InvalidBinary, message)
    }

    /// An overflowing count or sum (22003).
    pub fn out_of_range(message: impl Into<String>) -> Self {
        Self::of(ErrorKind::OutOfRange, message)
    }

    /// An input beyond a documented limit (54000); the message states the limit.
    pub fn limit(message: impl Into<String>) -> Self {
        Self::of(ErrorKind::LimitExceeded, message)
    }

    /// Bytes that are not valid in the expected encoding (22021).
    pub fn encoding(message: impl Into<String>) -> Self {
        Self::of(ErrorKind::BadEncoding, message)
    }

    /// The same error with another kind (a parser shared by text and binary input).
    pub fn with_kind(mut self, kind: ErrorKind) -> Self {
        self.kind = kind;
        self
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

impl fmt::Display for CesError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for CesError {}

/// Short human name of a JSON value's type, for error messages.
pub(crate) fn json_type_name(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "boolean",
        serde_json::Value::Number(_) => "number",
        serde_json::Value::String(_) => "string",
        serde_json::Value::Array(_) => "array",
        serde_json::Value::Object(_) => "object",
    }
}

/// A float as PostgreSQL prints it (`Infinity`, `NaN`), for error messages.
pub fn pg_float(v: f64) -> String {
    if v.is_nan() {
        "NaN".to_string()
    } else if v.is_infinite() {
        if v > 0.0 { "Infinity" } else { "-Infinity" }.to_string()
    } else {
        v.to_string()
    }
}

/// A JSON value for an error message: its type, and the value itself when short.
pub fn describe(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => "null".to_string(),
        other => format!("{} {}", json_type_name(other), shorten(&other.to_string())),
    }
}

/// Cuts long literals (a 400-digit number, a big object) so messages stay readable.
pub(crate) fn shorten(text: &str) -> String {
    const MAX: usize = 40;
    if text.chars().count() <= MAX {
        text.to_string()
    } else {
        format!("{}...", text.chars().take(MAX).collect::<String>())
    }
}

/// Reads a JSON number as a finite f64. `arbitrary_precision` keeps the literal text,
/// so a value such as 1e400 (legal in jsonb) is caught here and reported by name.
pub(crate) fn finite_number(v: &serde_json::Value, what: &str) -> Result<f64, CesError> {
    match v {
        serde_json::Value::Number(n) => {
            let text = n.to_string();
            match text.parse::<f64>() {
                Ok(x) if x.is_finite() => Ok(x),
                _ => Err(CesError::invalid(format!(
                    "{what} is out of range for double precision: {}",
                    shorten(&text)
                ))),
            }
        }
        other => Err(CesError::invalid(format!(
            "{what} must be a number, got {}",
            describe(other)
        ))),
    }
}
