//! Parse once, score many: a parsed argument (weights, bands, a model) is kept in
//! `flinfo->fn_extra` for the life of the call site. A plan-time constant is never
//! compared again; a per-row value is parsed again only when its bytes change.
//! Every distinct value stays alive (boxed, so its address is stable) until the call
//! site's memory context goes away, because aggregate states point at their model.

use crate::error::OrRaise;
use crate::fmgr;
use ces_core::CesError;
use pgrx::pg_sys::{Datum, FunctionCallInfo};
use pgrx::PgMemoryContexts;

/// How an argument's datum becomes the text its parser reads.
#[derive(Clone, Copy)]
pub enum Source {
    Jsonb,
    /// A varlena holding UTF-8 text (text, ces_model).
    Text,
}

struct Cache<T> {
    entries: Vec<(Vec<u8>, Box<T>)>,
    last: usize,
    constant: bool,
}

/// At most this many distinct values are kept per call site, unless `keep_all`.
const MAX_ENTRIES: usize = 16;

/// The parsed value of argument `argno`, whose (non-NULL) datum is `d`.
/// Each call site must always use the same `T`.
#[inline(always)]
pub unsafe fn parsed<'a, T: 'static>(
    fcinfo: FunctionCallInfo,
    argno: usize,
    d: Datum,
    source: Source,
    parse: fn(&str) -> Result<T, CesError>,
) -> &'a T {
    unsafe { lookup(fcinfo, argno, d, source, parse, false) }
}

/// Like `parsed`, for values that aggregate states point at: nothing is ever evicted.
#[inline(always)]
pub unsafe fn parsed_stable<'a, T: 'static>(
    fcinfo: FunctionCallInfo,
    argno: usize,
    d: Datum,
    source: Source,
    parse: fn(&str) -> Result<T, CesError>,
) -> &'a T {
    unsafe { lookup(fcinfo, argno, d, source, parse, true) }
}

#[inline(always)]
unsafe fn lookup<'a, T: 'static>(
    fcinfo: FunctionCallInfo,
    argno: usize,
    d: Datum,
    source: Source,
    parse: fn(&str) -> Result<T, CesError>,
    keep_all: bool,
) -> &'a T {
    unsafe {
        let flinfo = (*fcinfo).flinfo;
        let cache = (*flinfo).fn_extra as *mut Cache<T>;
        if !cache.is_null() {
            let c = &mut *cache;
            if c.constant {
                return &c.entries[0].1;
            }
            let bytes = fmgr::varlena_bytes(d);
            if c.entries[c.last].0 == bytes {
                return &c.entries[c.last].1;
            }
            return miss(c, bytes, d, source, parse, keep_all);
        }
        first(fcinfo, argno, d, source, parse)
    }
}

#[cold]
unsafe fn miss<'a, T>(
    c: &mut Cache<T>,
    bytes: &[u8],
    d: Datum,
    source: Source,
    parse: fn(&str) -> Result<T, CesError>,
    keep_all: bool,
) -> &'a T {
    unsafe {
        if let Some(i) = c.entries.iter().position(|(k, _)| k == bytes) {
            c.last = i;
        } else {
            let value = Box::new(parse(&text_of(d, source)).or_raise());
            if !keep_all && c.entries.len() >= MAX_ENTRIES {
                c.entries.clear();
            }
            c.entries.push((bytes.to_vec(), value));
            c.last = c.entries.len() - 1;
        }
        &*(&*c.entries[c.last].1 as *const T)
    }
}

#[cold]
unsafe fn first<'a, T: 'static>(
    fcinfo: FunctionCallInfo,
    argno: usize,
    d: Datum,
    source: Source,
    parse: fn(&str) -> Result<T, CesError>,
) -> &'a T {
    unsafe {
        let value = Box::new(parse(&text_of(d, source)).or_raise());
        let cache = Cache {
            entries: vec![(fmgr::varlena_bytes(d).to_vec(), value)],
            last: 0,
            constant: fmgr::arg_is_const(fcinfo, argno),
        };
        let flinfo = (*fcinfo).flinfo;
        // Dropped (freeing its Rust heap) when the call site's memory context goes away.
        let ptr = PgMemoryContexts::For((*flinfo).fn_mcxt).leak_and_drop_on_delete(cache);
        (*flinfo).fn_extra = ptr as *mut std::ffi::c_void;
        let c = &*ptr;
        &c.entries[0].1
    }
}

unsafe fn text_of(d: Datum, source: Source) -> String {
    unsafe {
        match source {
            Source::Jsonb => fmgr::jsonb_text(d),
            Source::Text => String::from_utf8_lossy(fmgr::varlena_bytes(d)).into_owned(),
        }
    }
}

/// A value parsed from `key` (the text itself), cached per call site by that text.
/// For deserialising summaries: each carries its model's text among other bytes.
pub unsafe fn parsed_key<'a, T: 'static>(
    fcinfo: FunctionCallInfo,
    key: &str,
    parse: fn(&str) -> Result<T, CesError>,
) -> &'a T {
    unsafe {
        let flinfo = (*fcinfo).flinfo;
        let mut cache = (*flinfo).fn_extra as *mut Cache<T>;
        if cache.is_null() {
            let empty: Cache<T> = Cache {
                entries: Vec::new(),
                last: 0,
                constant: false,
            };
            cache = PgMemoryContexts::For((*flinfo).fn_mcxt).leak_and_drop_on_delete(empty);
            (*flinfo).fn_extra = cache as *mut std::ffi::c_void;
        }
        let c = &mut *cache;
        if c.entries
            .get(c.last)
            .is_some_and(|(k, _)| k == key.as_bytes())
        {
            return &c.entries[c.last].1;
        }
        if let Some(i) = c.entries.iter().position(|(k, _)| k == key.as_bytes()) {
            c.last = i;
        } else {
            c.entries
                .push((key.as_bytes().to_vec(), Box::new(parse(key).or_raise())));
            c.last = c.entries.len() - 1;
        }
        &*(&*c.entries[c.last].1 as *const T)
    }
}
