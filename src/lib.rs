//! `ces`: Customer Engagement Score inside PostgreSQL.
//! A thin pgrx layer over the pure-Rust `ces-core` crate: one module per SQL concept,
//! with hand-written SQL for the aggregates in `sql/`.

use pgrx::prelude::*;

mod backtest;
mod bands;
mod error;
mod fit;
mod fmgr;
mod history_agg;
mod model_agg;
mod model_cache;
mod model_hoist;
mod model_named;
mod model_type;
mod normalize;
mod rollup_dist;
mod score_agg;
mod summary_type;
mod time;

::pgrx::pg_module_magic!();

/// Loops in the core whose length comes from input call CHECK_FOR_INTERRUPTS through this
/// hook; an interrupt raises its ERROR, which unwinds to the calling function's pg_guard.
#[pg_guard]
pub extern "C-unwind" fn _PG_init() {
    ces_core::interrupt::set_hook(check_interrupts);
}

fn check_interrupts() {
    pgrx::check_for_interrupts!();
}

extension_sql_file!("../sql/models.sql", name = "models");
extension_sql_file!(
    "../sql/ces_score.sql",
    name = "ces_score_aggregate",
    requires = ["models"]
);
extension_sql_file!(
    "../sql/registry.sql",
    name = "registry",
    requires = ["models"]
);
extension_sql_file!("../sql/backtest.sql", name = "backtest");
extension_sql_file!(
    "../sql/analytics.sql",
    name = "analytics",
    requires = ["registry", "ces_score_aggregate"]
);
extension_sql_file!(
    "../sql/distributed.sql",
    name = "distributed",
    requires = ["models"]
);
extension_sql_file!("../sql/fit.sql", name = "fit", requires = ["models"]);
