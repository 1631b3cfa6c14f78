//! Version-1 C functions declared once: `v1!` writes the prologue (the `pg_finfo_` record,
//! the exported symbol, the pg_guard frame, named arguments) and records the SQL declaration
//! the hand-written `CREATE FUNCTION` in sql/ must match. tests/sql/signatures.sql compares
//! every C function in pg_proc with these records, so a drift fails the test suite.

use pgrx::pg_sys::Datum;

/// The expected declaration of the function exported as `symbol`, written as
/// tests/sql/signatures.sql prints pg_proc: `name(argument types) RETURNS type`, then the
/// volatility, STRICT when strict, and the parallel safety.
pub struct Signature {
    pub symbol: &'static str,
    pub sql: &'static str,
}

/// `v1! { "<declaration>"... fn symbol(fcinfo, arg0, arg1, ...) { body } ... }` defines each
/// function under a `#[pg_guard]` (a `[raw] fn` has none: a per-row fast path that calls into
/// nothing that can raise, see `score_agg`), binds each named argument to its
/// `NullableDatum` in order, and collects the declarations in the module's `SIGNATURES`
/// (one symbol may serve several SQL functions: one declaration each).
macro_rules! v1 {
    ($($(#[$doc:meta])* $($sql:literal)+ $([$raw:ident])? fn $name:ident($fcinfo:ident $(, $arg:ident)* $(,)?) $body:block)*) => {
        $(
            $crate::v1::v1!(@fn [$($raw)?] $(#[$doc])* $name $fcinfo [$($arg)*] $body);
        )*
        #[allow(dead_code)]
        pub(crate) const SIGNATURES: &[$crate::v1::Signature] = &[
            $($($crate::v1::Signature { symbol: stringify!($name), sql: $sql },)+)*
        ];
    };
    (@fn [raw] $(#[$doc:meta])* $name:ident $fcinfo:ident [$($arg:ident)*] $body:block) => {
        $(#[$doc])*
        #[unsafe(no_mangle)]
        pub unsafe extern "C-unwind" fn $name($fcinfo: ::pgrx::pg_sys::FunctionCallInfo) -> ::pgrx::pg_sys::Datum {
            $crate::v1::v1!(@finfo $name);
            unsafe {
                $crate::v1::v1!(@args $fcinfo 0usize; $($arg)*);
                $body
            }
        }
    };
    // A guarded function is a raw one whose body is a `guarded!` function.
    (@fn [] $(#[$doc:meta])* $name:ident $fcinfo:ident [$($arg:ident)*] $body:block) => {
        $crate::v1::v1!(@fn [raw] $(#[$doc])* $name fcinfo [] {
            $crate::v1::guarded! { fn guarded($fcinfo $(, $arg)*) $body }
            guarded(fcinfo)
        });
    };
    (@finfo $name:ident) => {
        #[unsafe(export_name = concat!("pg_finfo_", stringify!($name)))]
        extern "C" fn finfo() -> &'static ::pgrx::pg_sys::Pg_finfo_record {
            const V1: ::pgrx::pg_sys::Pg_finfo_record = ::pgrx::pg_sys::Pg_finfo_record { api_version: 1 };
            &V1
        }
    };
    (@args $fcinfo:ident $i:expr; $arg:ident $($rest:ident)*) => {
        #[allow(unused_variables)]
        let $arg = $crate::fmgr::arg($fcinfo, $i);
        $crate::v1::v1!(@args $fcinfo $i + 1; $($rest)*);
    };
    (@args $fcinfo:ident $i:expr;) => {};
}
pub(crate) use v1;

/// The slow path of a `[raw]` function: `guarded! { fn name(fcinfo, arg0, ...) { body } }`
/// runs `body` under a pg_guard frame, never inlined into the hot path, with the arguments
/// named as in `v1!`. Not exported: the raw function calls it. pg_guard re-creates the
/// argument name with its own span, so the outer argument is spelt here and the body, with
/// the caller's names, is an inner function.
macro_rules! guarded {
    ($(#[$doc:meta])* fn $name:ident($fcinfo:ident $(, $arg:ident)* $(,)?) $body:block) => {
        $(#[$doc])*
        #[::pgrx::pg_guard]
        #[inline(never)]
        unsafe extern "C-unwind" fn $name(fcinfo: ::pgrx::pg_sys::FunctionCallInfo) -> ::pgrx::pg_sys::Datum {
            #[inline(always)]
            unsafe fn body($fcinfo: ::pgrx::pg_sys::FunctionCallInfo) -> ::pgrx::pg_sys::Datum {
                unsafe {
                    $crate::v1::v1!(@args $fcinfo 0usize; $($arg)*);
                    $body
                }
            }
            unsafe { body(fcinfo) }
        }
    };
}
pub(crate) use guarded;

/// Every module's declarations.
fn all() -> impl Iterator<Item = &'static Signature> {
    [
        crate::backtest::SIGNATURES,
        crate::bands::SIGNATURES,
        crate::fit::SIGNATURES,
        crate::history_agg::SIGNATURES,
        crate::rollup_dist::SIGNATURES,
        crate::score_agg::SIGNATURES,
        crate::summary_type::SIGNATURES,
        crate::model_agg::agg::SIGNATURES,
        crate::model_agg::score::SIGNATURES,
        crate::model_agg::state::SIGNATURES,
        crate::model_hoist::SIGNATURES,
        crate::model_named::SIGNATURES,
        crate::model_type::SIGNATURES,
    ]
    .into_iter()
    .flatten()
}

v1! {
    /// `symbol <tab> declaration`, one line per C function: what tests/sql/signatures.sql
    /// compares with pg_proc. Declared by that test alone (not part of the extension).
    "ces_v1_signatures() RETURNS text VOLATILE PARALLEL UNSAFE"
    fn ces_v1_signatures(fcinfo) {
        let _ = fcinfo;
        let mut lines: Vec<String> = all().map(|s| format!("{}\t{}", s.symbol, s.sql)).collect();
        lines.sort();
        Datum::from(crate::fmgr::varlena_from(lines.join("\n").as_bytes()))
    }
}
