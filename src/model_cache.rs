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
    /// A jsonb value; the name says what it holds (weights, bands) for error messages.
    Jsonb(&'static str),
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

/// The parsed value of a plan-time-constant argument once an earlier call has parsed it,
/// else None. Reads only the cache: it never raises, so hot paths call it outside the
/// pg_guard frame. `T` must be the call site's type, as for `parsed`.
#[inline(always)]
pub unsafe fn constant<'a, T: 'static>(fcinfo: FunctionCallInfo) -> Option<&'a T> {
    unsafe {
        let cache = (*(*fcinfo).flinfo).fn_extra as *const Cache<T>;
        if cache.is_null() || !(*cache).constant {
            return None;
        }
        (*cache).entries.first().map(|(_, v)| &**v)
    }
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
        if let Some(v) = constant::<T>(fcinfo) {
            return v;
        }
        let cache = (*(*fcinfo).flinfo).fn_extra as *mut Cache<T>;
        if !cache.is_null() {
            let c = &mut *cache;
            let bytes = fmgr::varlena_bytes(d);
            if c.entries[c.last].0 == bytes {
                return &c.entries[c.last].1;
            }
            return miss(c, bytes, d, source, parse, keep_all);
        }
        first(fcinfo, argno, d, source, parse)
    }
}

impl<T> Cache<T> {
    /// The entry for `key`, parsed from `text()` when there is none yet.
    fn find_or_parse<'a>(
        &mut self,
        key: &[u8],
        text: impl FnOnce() -> String,
        parse: fn(&str) -> Result<T, CesError>,
        keep_all: bool,
    ) -> &'a T {
        if let Some(i) = self.entries.iter().position(|(k, _)| k == key) {
            self.last = i;
        } else {
            let value = Box::new(parse(&text()).or_raise());
            if !keep_all && self.entries.len() >= MAX_ENTRIES {
                self.entries.clear();
            }
            self.entries.push((key.to_vec(), value));
            self.last = self.entries.len() - 1;
        }
        // Boxed: the address stays valid while the cache lives (the call site's context).
        unsafe { &*(&*self.entries[self.last].1 as *const T) }
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
    c.find_or_parse(bytes, || unsafe { text_of(d, source) }, parse, keep_all)
}

/// Puts a cache in the call site's `fn_extra`; it is dropped (freeing its Rust heap) when
/// the call site's memory context goes away.
unsafe fn install<T>(fcinfo: FunctionCallInfo, cache: Cache<T>) -> *mut Cache<T> {
    unsafe {
        let flinfo = (*fcinfo).flinfo;
        let ptr = PgMemoryContexts::For((*flinfo).fn_mcxt).leak_and_drop_on_delete(cache);
        (*flinfo).fn_extra = ptr as *mut std::ffi::c_void;
        ptr
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
        let cache = Cache {
            entries: Vec::new(),
            last: 0,
            constant: fmgr::arg_is_const(fcinfo, argno),
        };
        (*install(fcinfo, cache)).find_or_parse(
            fmgr::varlena_bytes(d),
            || text_of(d, source),
            parse,
            true,
        )
    }
}

unsafe fn text_of(d: Datum, source: Source) -> String {
    unsafe {
        match source {
            Source::Jsonb(what) => fmgr::jsonb_text(d, what),
            // Never lossy: a replaced byte could make two models (or names) equal.
            Source::Text => fmgr::utf8(fmgr::varlena_bytes(d), "model").to_owned(),
        }
    }
}

/// A value parsed from `key` (the text itself), cached per call site by that text.
/// For deserialising summaries: each carries its model's text among other bytes. Bytes
/// seen before are not checked again; new ones must be UTF-8.
pub unsafe fn parsed_key<'a, T: 'static>(
    fcinfo: FunctionCallInfo,
    key: &[u8],
    parse: fn(&str) -> Result<T, CesError>,
) -> &'a T {
    unsafe {
        let mut cache = (*(*fcinfo).flinfo).fn_extra as *mut Cache<T>;
        if cache.is_null() {
            cache = install(
                fcinfo,
                Cache {
                    entries: Vec::new(),
                    last: 0,
                    constant: false,
                },
            );
        }
        let c = &mut *cache;
        if c.entries.get(c.last).is_some_and(|(k, _)| k == key) {
            return &c.entries[c.last].1;
        }
        c.find_or_parse(
            key,
            || ces_core::summary::model_text(key).or_raise().to_string(),
            parse,
            true,
        )
    }
}
