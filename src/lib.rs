//! `ces`: Customer Engagement Score inside PostgreSQL.
//! A thin pgrx layer over the pure-Rust `ces-core` crate: one module per SQL concept,
//! with hand-written SQL for the aggregates in `sql/`.

use pgrx::prelude::*;

mod bands;
mod error;
mod fmgr;
mod model_cache;
mod normalize;
mod score_agg;

::pgrx::pg_module_magic!();

extension_sql_file!("../sql/ces_score.sql", name = "ces_score_aggregate");
