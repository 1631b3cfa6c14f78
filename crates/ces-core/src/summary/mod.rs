//! Per-group state of model scoring, and the `ces_summary` value it finalises into.
//! A fixed header plus one 16-byte slot per weighted event type (count, decayed sum), so
//! the pgrx layer can palloc it as one block. Decayed sums are anchored at `anchor` (the
//! as_of): re-anchoring to a later instant multiplies by 0.5^(Δ/half_life), which is exact
//! up to rounding, so summaries roll up and re-score history without rereading events.
//! With a lookback, a summary also knows its earliest and latest counted event: moving it to
//! a later as_of is exact while none of them leaves the window, and an error otherwise.
//! Every value the binary or text input accepts is consistent, prints and reads back equal.
//!
//! `state`: the header and slots, and what rows, merges and re-anchoring do to them;
//! `window`: a summary against a lookback window; `score`: reading scores out of it;
//! `codec`: the binary form and the rules every decoded value obeys; `text`: the text form.

mod check;
mod codec;
mod score;
mod state;
mod text;
mod window;

pub use check::{check_model, check_own_window};
pub use codec::{decode, encode, model_text, Decoded, SlotBuf};
pub use score::{breakdown, depth, points, score, score_at, BreakdownRow};
pub use state::*;
pub use text::{from_json, to_json};
pub use window::{check_window, earliest, emptied, straddles_error, window_at, Window};

#[cfg(test)]
mod tests;
