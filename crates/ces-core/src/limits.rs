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

/// Largest |weight| and cap of a model or weights object: with at most 2^63 events per
/// event type a score stays below 1e15 * 2^63 * MAX_EVENT_TYPES, far from f64 overflow, so
/// serial and parallel plans (which add in different orders) agree.
pub const MAX_WEIGHT: f64 = 1e15;

/// Time ranges a rollup with a lookback keeps apart per group (summaries whose counted
/// events do not overlap in time), so that it can drop those that leave the window. Beyond
/// this, the two closest ranges are merged; a window start falling between them then raises.
pub const MAX_ROLLUP_RANGES: usize = 256;

/// Distinct values (models, weights, bands) one call site keeps parsed while aggregate
/// states point at them: a query whose rows carry more distinct models than this, such as
/// `ces_model_at(m, r.renews)` over a million accounts, raises instead of growing without
/// bound. `ces_score(event, ts, model, as_of)` keeps one model for every as_of.
pub const MAX_CACHED_VALUES: usize = 1_000_000;

/// Estimated bytes of the parsed values one call site keeps (see `cached_cost`).
pub const MAX_CACHED_BYTES: usize = 512 << 20;

/// The estimated bytes of a value parsed from `text_len` bytes of text, counted against
/// `MAX_CACHED_BYTES`. Measured: a 99 kB model of 10,000 event types takes 1.16 MB parsed
/// (names, weights, rules, index and body: 11.7 times its text), a 7-weight model of 170
/// bytes about 1 kB. So 12 times the text: about 200k distinct models of 7 weights, a
/// half-life, a lookback and an as_of (230 bytes) fit, in about 250 MB.
pub fn cached_cost(text_len: usize) -> usize {
    text_len.saturating_mul(12).saturating_add(256)
}

/// Whether one more cached value costing `more` would pass the limits, for a call site that
/// keeps `entries` values costing `cost` in all.
pub fn cache_full(entries: usize, cost: usize, more: usize) -> bool {
    entries >= MAX_CACHED_VALUES || cost.saturating_add(more) > MAX_CACHED_BYTES
}

/// Candidate half-lives one fit compares by cross-validation (`options.candidates`).
pub const MAX_FIT_CANDIDATES: usize = 64;

/// Feature cells one fit keeps in memory: labelled accounts × event types × candidate
/// half-lives, 8 bytes each (plus one raw count per account and event type), so at most
/// about 150 MiB for 7 candidates (256 MiB for one). Checked before any event type's cells
/// are allocated. The solver copies the chosen candidate's matrix twice more.
pub const MAX_FIT_CELLS: usize = 16 << 20;

/// Labelled accounts one fit reads (the outcomes' rows). Each costs about 300 bytes besides
/// its cells (its key twice, a hash entry, its rows of the matrices): 2M accounts with one
/// event type and one half-life peaked at 715 MB, and without this limit a fixed half-life
/// let MAX_FIT_CELLS admit 16M accounts (about 5 GB). Checked as the outcomes are read.
pub const MAX_FIT_ACCOUNTS: usize = 1 << 20;

/// Event types one fit weighs (`ces_fit_model`): the solver keeps dense (types + 1)² matrices
/// (the Hessian, its next value and its Cholesky factor: 24 MiB at this limit) and each
/// Newton step costs accounts × types² operations, so the count is checked as each new
/// event type is read, before its cells are allocated.
pub const MAX_FIT_EVENT_TYPES: usize = 1_000;

/// Folds of a fit's cross-validation (`options.k`).
pub const MAX_FIT_FOLDS: usize = 20;
