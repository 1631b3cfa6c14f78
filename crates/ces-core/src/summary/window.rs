//! A summary against a lookback window: moving it to a later as_of is exact while none of
//! its counted events leaves the window, and an error otherwise.

use super::state::{Header, NO_FIRST, NO_TS, UNKNOWN_FIRST};
use crate::error::CesError;
use crate::model::Model;
use crate::time::format_timestamp;

/// No counted event of `h` is earlier than this. An unrecorded first_seen (format 3) is
/// bounded by the summary's own window when the model has a lookback.
pub fn earliest(h: &Header, model: &Model) -> i64 {
    match (h.first_seen, model.lookback) {
        (UNKNOWN_FIRST, Some(lb)) if h.timed == 1 => h.anchor.saturating_sub(lb).saturating_add(1),
        (f, _) => f,
    }
}

/// Where a summary's counted events lie against the lookback window at `as_of`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Window {
    /// All inside (or the model has no lookback): re-anchoring is exact.
    Inside,
    /// All before the window's start: the summary counts nothing at `as_of`.
    Outside,
    /// Some inside, some out: a summary cannot tell which, so re-anchoring would be inexact.
    Straddles,
}

/// Places `h`'s counted events against the window of `model`'s lookback ending at `as_of`.
pub fn window_at(h: &Header, model: &Model, as_of: i64) -> Window {
    let Some(lb) = model.lookback else {
        return Window::Inside;
    };
    if h.timed == 0 || h.events == 0 {
        return Window::Inside;
    }
    let start = as_of.saturating_sub(lb); // the window is (start, as_of]
    if earliest(h, model) > start {
        Window::Inside
    } else if h.last_seen != NO_TS && h.last_seen <= start {
        Window::Outside
    } else {
        Window::Straddles
    }
}

/// The error for a summary whose events straddle the window's start at `as_of`.
pub fn straddles_error(h: &Header, model: &Model, as_of: i64, what: &str) -> CesError {
    let lb = model.lookback.unwrap_or(0);
    let first = earliest(h, model);
    CesError::invalid(format!(
        "{what} at {} would drop some of the summary's events: its lookback window starts after {}, and the summary counts events from {} to {}",
        format_timestamp(as_of),
        format_timestamp(as_of.saturating_sub(lb)),
        if first == UNKNOWN_FIRST { "an unrecorded instant".to_string() } else { format_timestamp(first) },
        format_timestamp(h.last_seen),
    ))
    .with_hint(
        "a summary cannot tell which events leave the window: re-aggregate the events with ces_agg, or roll up daily summaries filtered to the window (day >= as_of - lookback)",
    )
}

/// A rolled-up or merged state at its own anchor: exact (`Inside`), or nothing left in the
/// window (`Outside`); an error when some of its events have left the window.
pub fn check_window(h: &Header, model: &Model, what: &str) -> Result<Window, CesError> {
    match window_at(h, model, h.anchor) {
        Window::Straddles => Err(straddles_error(h, model, h.anchor, what)),
        w => Ok(w),
    }
}

/// An empty summary (nothing counted) at `h`'s anchor.
pub fn emptied(h: &Header) -> Header {
    Header {
        events: 0,
        unweighted: 0,
        last_seen: NO_TS,
        first_seen: NO_FIRST,
        ..*h
    }
}
