//! Pure-Rust scoring core of the `ces` PostgreSQL extension.
//! Nothing here knows about PostgreSQL: model parsing and validation, bands,
//! normalisation, the summary state and its history live here and are tested with `cargo test`.

pub mod backtest;
pub mod bands;
pub mod error;
pub mod fit;
pub mod history;
pub mod interrupt;
pub mod limits;
pub mod model;
pub mod normalize;
pub mod summary;
pub mod time;
pub mod weights;

pub use bands::Bands;
pub use error::CesError;
pub use model::Model;
pub use weights::Weights;
