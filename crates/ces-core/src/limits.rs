//! The documented limits on sizes taken from input or arguments. Every parser, decoder and
//! engine checks against these before it allocates, and raises 54000 (program_limit_exceeded)
//! naming the limit. The README's "Limits" section lists them.

/// Event types in one model (weights object keys). A summary has one slot per event type.
pub const MAX_EVENT_TYPES: usize = 10_000;

/// Bytes of a model's JSON text (a model, bare weights, or a summary's model).
pub const MAX_MODEL_BYTES: usize = 1 << 20;

/// Bands in one custom bands scheme.
pub const MAX_BANDS: usize = 1_000;

/// Bytes of a bands scheme's JSON text.
pub const MAX_BANDS_BYTES: usize = 1 << 20;

/// Buckets (lookback ÷ step, plus dates) kept per account by one backfill.
/// A 1-year lookback in 1-hour steps over a year of dates needs 17 519.
pub const MAX_HISTORY_BUCKETS: usize = 1_000_000;

/// Bucket slots (buckets × event types) of one backfill: 48 bytes each in scratch memory
/// (the buckets, and their prefix and suffix sums), so at most 384 MiB, palloc'd.
pub const MAX_HISTORY_SLOTS: usize = 8 << 20;
