//! Parse once, score many: a parsed jsonb argument (weights, bands) is kept in
//! `flinfo->fn_extra` for the life of the call site. A plan-time constant is never
//! compared again; a per-row value is re-parsed only when its bytes change.

use crate::error::OrRaise;
use crate::fmgr;
use ces_core::CesError;
use pgrx::pg_sys::{Datum, FunctionCallInfo};
use pgrx::PgMemoryContexts;

struct Cached<T> {
    key: Vec<u8>,
    value: T,
    constant: bool,
}

/// The parsed value of jsonb argument `argno`, whose (non-NULL) datum is `d`.
/// Each call site must always use the same `T`.
#[inline(always)]
pub unsafe fn parsed<'a, T: 'static>(
    fcinfo: FunctionCallInfo,
    argno: usize,
    d: Datum,
    parse: fn(&str) -> Result<T, CesError>,
) -> &'a T {
    unsafe {
        let flinfo = (*fcinfo).flinfo;
        let slot = (*flinfo).fn_extra as *mut Cached<T>;
        if !slot.is_null() {
            let c = &mut *slot;
            if c.constant || c.key == fmgr::varlena_bytes(d) {
                return &c.value;
            }
            c.value = parse(&fmgr::jsonb_text(d)).or_raise();
            c.key.clear();
            c.key.extend_from_slice(fmgr::varlena_bytes(d));
            return &c.value;
        }
        first_parse(fcinfo, argno, d, parse)
    }
}

#[cold]
unsafe fn first_parse<'a, T: 'static>(
    fcinfo: FunctionCallInfo,
    argno: usize,
    d: Datum,
    parse: fn(&str) -> Result<T, CesError>,
) -> &'a T {
    unsafe {
        let value = parse(&fmgr::jsonb_text(d)).or_raise();
        let cached = Cached {
            key: fmgr::varlena_bytes(d).to_vec(),
            value,
            constant: fmgr::arg_is_const(fcinfo, argno),
        };
        let flinfo = (*fcinfo).flinfo;
        // Dropped (freeing its Rust heap) when the call site's memory context goes away.
        let ptr = PgMemoryContexts::For((*flinfo).fn_mcxt).leak_and_drop_on_delete(cached);
        (*flinfo).fn_extra = ptr as *mut std::ffi::c_void;
        &(*ptr).value
    }
}
