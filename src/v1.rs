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

/// `v1! { "<declaration>" fn symbol(fcinfo, arg0, arg1, ...) { body } ... }` defines each
/// function under a `#[pg_guard]` (a `[raw] fn` has none: a per-row fast path that calls into
/// nothing that can raise, see `score_agg`), binds each named argument to its
/// `NullableDatum` in order, and collects the declarations in the module's `SIGNATURES`.
macro_rules! v1 {
    ($($(#[$doc:meta])* $sql:literal $([$raw:ident])? fn $name:ident($fcinfo:ident $(, $arg:ident)* $(,)?) $body:block)*) => {
        $(
            $crate::v1::v1!(@fn [$($raw)?] $(#[$doc])* $name $fcinfo [$($arg)*] $body);
        )*
        #[allow(dead_code)]
        pub(crate) const SIGNATURES: &[$crate::v1::Signature] = &[
            $($crate::v1::Signature { symbol: stringify!($name), sql: $sql },)*
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
    // pg_guard re-creates the argument name with its own span, so the outer function's
    // argument is spelt here and the body, with the caller's name, is an inner function.
    (@fn [] $(#[$doc:meta])* $name:ident $fcinfo:ident [$($arg:ident)*] $body:block) => {
        $(#[$doc])*
        #[::pgrx::pg_guard]
        #[unsafe(no_mangle)]
        pub unsafe extern "C-unwind" fn $name(fcinfo: ::pgrx::pg_sys::FunctionCallInfo) -> ::pgrx::pg_sys::Datum {
            $crate::v1::v1!(@finfo $name);
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

/// Every module's declarations, and those of the functions not yet written with `v1!`.
fn all() -> impl Iterator<Item = &'static Signature> {
    [
        crate::backtest::SIGNATURES,
        crate::bands::SIGNATURES,
        crate::history_agg::SIGNATURES,
        crate::rollup_dist::SIGNATURES,
        crate::score_agg::SIGNATURES,
        crate::summary_type::SIGNATURES,
        PENDING,
    ]
    .into_iter()
    .flatten()
}

/// model_agg.rs and model_type.rs still spell their prologue out by hand.
const PENDING: &[Signature] = &[
    Signature { symbol: "ces_model_in", sql: "ces_model_in(cstring) RETURNS ces_model STABLE STRICT PARALLEL SAFE" },
    Signature { symbol: "ces_model_out", sql: "ces_model_out(ces_model) RETURNS cstring IMMUTABLE STRICT PARALLEL SAFE" },
    Signature { symbol: "ces_model_recv", sql: "ces_model_recv(internal) RETURNS ces_model STABLE STRICT PARALLEL SAFE" },
    Signature { symbol: "ces_model_send", sql: "ces_model_send(ces_model) RETURNS bytea IMMUTABLE STRICT PARALLEL SAFE" },
    Signature { symbol: "ces_model_make", sql: "ces_model(jsonb, interval, interval, timestamp with time zone) RETURNS ces_model IMMUTABLE PARALLEL SAFE" },
    Signature { symbol: "ces_model_trans", sql: "ces_model_trans(internal, text, timestamp with time zone, ces_model) RETURNS internal IMMUTABLE PARALLEL SAFE" },
    Signature { symbol: "ces_model_inv", sql: "ces_model_inv(internal, text, timestamp with time zone, ces_model) RETURNS internal IMMUTABLE PARALLEL SAFE" },
    Signature { symbol: "ces_weights_trans", sql: "ces_weights_trans(internal, text, timestamp with time zone, jsonb) RETURNS internal IMMUTABLE PARALLEL SAFE" },
    Signature { symbol: "ces_weights_inv", sql: "ces_weights_inv(internal, text, timestamp with time zone, jsonb) RETURNS internal IMMUTABLE PARALLEL SAFE" },
    Signature { symbol: "ces_rollup_trans", sql: "ces_rollup_trans(internal, ces_summary) RETURNS internal IMMUTABLE PARALLEL SAFE" },
    Signature { symbol: "ces_state_combine", sql: "ces_state_combine(internal, internal) RETURNS internal IMMUTABLE PARALLEL SAFE" },
    Signature { symbol: "ces_state_serialize", sql: "ces_state_serialize(internal) RETURNS bytea IMMUTABLE STRICT PARALLEL SAFE" },
    Signature { symbol: "ces_state_deserialize", sql: "ces_state_deserialize(bytea, internal) RETURNS internal IMMUTABLE STRICT PARALLEL SAFE" },
    Signature { symbol: "ces_state_score", sql: "ces_state_score(internal) RETURNS double precision IMMUTABLE PARALLEL SAFE" },
    Signature { symbol: "ces_state_summary", sql: "ces_state_summary(internal) RETURNS ces_summary IMMUTABLE PARALLEL SAFE" },
    Signature { symbol: "ces_score_model_trans", sql: "ces_score_model_trans(internal, text, timestamp with time zone, ces_model) RETURNS internal IMMUTABLE PARALLEL SAFE" },
    Signature { symbol: "ces_score_model_combine", sql: "ces_score_model_combine(internal, internal) RETURNS internal IMMUTABLE PARALLEL SAFE" },
    Signature { symbol: "ces_score_model_serialize", sql: "ces_score_model_serialize(internal) RETURNS bytea IMMUTABLE STRICT PARALLEL SAFE" },
    Signature { symbol: "ces_score_model_deserialize", sql: "ces_score_model_deserialize(bytea, internal) RETURNS internal IMMUTABLE STRICT PARALLEL SAFE" },
    Signature { symbol: "ces_score_model_final", sql: "ces_score_model_final(internal) RETURNS double precision IMMUTABLE PARALLEL SAFE" },
];

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
