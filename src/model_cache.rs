//! Parse once, score many: a parsed argument (weights, bands, a model) is kept in
//! `flinfo->fn_extra` for the life of the call site. A plan-time constant is never
//! compared again; a per-row value is parsed again only when its bytes change.
//! Every distinct value stays alive (boxed, so its address is stable) until the call
//! site's memory context goes away, because aggregate states point at their model.

use crate::error::OrRaise;
use crate::fmgr;
use ces_core::limits::{cache_full, cached_cost, MAX_CACHED_BYTES, MAX_CACHED_VALUES};
use ces_core::CesError;
use pgrx::pg_sys::{self, Datum, FunctionCallInfo};
use pgrx::PgMemoryContexts;
use std::collections::HashMap;

/// How an argument's datum becomes the text its parser reads.
#[derive(Clone, Copy)]
pub enum Source {
    /// A jsonb value; the name says what it holds (weights, bands) for error messages.
    Jsonb(&'static str),
    /// A varlena holding UTF-8 text (text, ces_model).
    Text,
}

/// How a call site's argument varies, decided once from its expression.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum ArgKind {
    /// A plan-time constant: the first value parsed is the value, never compared again.
    Literal,
    /// No Vars and nothing volatile (a named model, `ces_model_at(m, <constant>)`, an
    /// InitPlan or query parameter): one value for a whole scan, which may change only when
    /// the aggregate is rescanned, so the current value is confirmed by comparing bytes.
    Stable,
    /// Anything else: a value per row.
    Varies,
}

/// Parsed values by their bytes. `last` points into `map` (the boxed key and value never
/// move while the entry lives): most rows repeat the previous value and never hash.
struct Cache<T> {
    map: HashMap<Box<[u8]>, Box<T>>,
    last: Option<(*const [u8], *const T)>,
    kind: ArgKind,
    /// Estimated bytes of the entries, against `MAX_CACHED_BYTES`.
    cost: usize,
}

/// At most this many distinct values are kept per call site, unless `Retain::All`.
const MAX_ENTRIES: usize = 16;

/// How many distinct values of an argument a call site keeps parsed.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Retain {
    /// The last `MAX_ENTRIES`; beyond them the cache starts over (the caller uses the
    /// value at once).
    Recent,
    /// Every one, for values that aggregate states point at: more than
    /// `MAX_CACHED_VALUES` values (or `MAX_CACHED_BYTES`) raise 54000.
    All,
}

/// The parsed value of argument `argno`, whose (non-NULL) datum is `d`.
/// Each call site must always use the same `T`.
#[inline(always)]
pub unsafe fn parsed<'a, T: 'static>(
    fcinfo: FunctionCallInfo,
    argno: usize,
    d: Datum,
    source: Source,
    parse: fn(&str) -> Result<T, CesError>,
    retain: Retain,
) -> &'a T {
    unsafe {
        if let Some(v) = constant::<T>(fcinfo) {
            return v;
        }
        let cache = (*(*fcinfo).flinfo).fn_extra as *mut Cache<T>;
        if !cache.is_null() {
            let c = &mut *cache;
            let bytes = fmgr::varlena_bytes(d);
            if let Some(v) = c.last_for(bytes) {
                return v;
            }
            return miss(c, bytes, d, source, parse, retain);
        }
        first(fcinfo, argno, d, source, parse)
    }
}

/// The parsed value of a plan-time-constant argument once an earlier call has parsed it,
/// else None. Reads only the cache: it never raises, so hot paths call it outside the
/// pg_guard frame. `T` must be the call site's type, as for `parsed`.
#[inline(always)]
pub unsafe fn constant<'a, T: 'static>(fcinfo: FunctionCallInfo) -> Option<&'a T> {
    unsafe {
        let cache = (*(*fcinfo).flinfo).fn_extra as *const Cache<T>;
        if cache.is_null() || (*cache).kind != ArgKind::Literal {
            return None;
        }
        (*cache).last.map(|(_, v)| &*v)
    }
}

/// The parsed value of argument datum `d` when the call site's argument is the same for a
/// whole scan (`Literal`, or `Stable` with the bytes of the value parsed last), else None.
/// Like `constant`, it reads only the cache and `d` (inline bytes), and never raises.
#[inline(always)]
pub unsafe fn current<'a, T: 'static>(fcinfo: FunctionCallInfo, d: Datum) -> Option<&'a T> {
    unsafe {
        let cache = (*(*fcinfo).flinfo).fn_extra as *const Cache<T>;
        if cache.is_null() {
            return None;
        }
        match (*cache).kind {
            ArgKind::Literal => (*cache).last.map(|(_, v)| &*v),
            ArgKind::Stable => (*cache).last_for(fmgr::varlena_inline(d)?),
            ArgKind::Varies => None,
        }
    }
}

impl<T> Cache<T> {
    fn new(kind: ArgKind) -> Cache<T> {
        Cache {
            map: HashMap::new(),
            last: None,
            kind,
            cost: 0,
        }
    }

    /// The value parsed last, when it was parsed from `key`: most rows repeat the previous
    /// value, and this costs one comparison, no hash.
    fn last_for<'a>(&self, key: &[u8]) -> Option<&'a T> {
        let (k, v) = self.last?;
        // Boxed: both addresses stay valid while the entry lives (the call site's context).
        unsafe { (&*k == key).then(|| &*v) }
    }

    /// The entry for `key`, parsed from `text()` when there is none yet: one hash lookup.
    fn find_or_parse<'a>(
        &mut self,
        key: &[u8],
        text: impl FnOnce() -> String,
        parse: fn(&str) -> Result<T, CesError>,
        retain: Retain,
    ) -> &'a T {
        let value: *const T = match self.map.get_key_value(key) {
            Some((k, v)) => {
                self.last = Some((&**k as *const [u8], &**v as *const T));
                &**v
            }
            None => {
                let value = Box::new(parse(&text()).or_raise());
                let cost = cached_cost(key.len());
                if retain == Retain::All {
                    if cache_full(self.map.len(), self.cost, cost) {
                        too_many_values(self.map.len());
                    }
                } else if self.map.len() >= MAX_ENTRIES {
                    self.map.clear();
                    self.cost = 0;
                }
                self.cost += cost;
                let key: Box<[u8]> = key.into();
                let k = &*key as *const [u8];
                let v = &*value as *const T;
                self.map.insert(key, value);
                self.last = Some((k, v));
                v
            }
        };
        // Boxed: the address stays valid while the entry lives (the call site's context).
        unsafe { &*value }
    }
}

#[cold]
fn too_many_values(n: usize) -> ! {
    crate::error::raise(
        CesError::limit(format!(
            "more than {n} distinct models in one aggregate call (limits: {MAX_CACHED_VALUES} values, {} MiB)",
            MAX_CACHED_BYTES >> 20
        ))
        .with_hint("for one as_of per group, use ces_score(event, ts, model, as_of) instead of ces_model_at(model, as_of) per row"),
    )
}

#[cold]
unsafe fn miss<'a, T>(
    c: &mut Cache<T>,
    bytes: &[u8],
    d: Datum,
    source: Source,
    parse: fn(&str) -> Result<T, CesError>,
    retain: Retain,
) -> &'a T {
    c.find_or_parse(bytes, || unsafe { text_of(d, source) }, parse, retain)
}

/// Puts a call site's cache in its `fn_extra`; it is dropped (freeing its Rust heap) when
/// the call site's memory context goes away.
unsafe fn install<S>(fcinfo: FunctionCallInfo, cache: S) -> *mut S {
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
        let cache = Cache::new(fmgr::arg_kind(fcinfo, argno));
        (*install(fcinfo, cache)).find_or_parse(
            fmgr::varlena_bytes(d),
            || text_of(d, source),
            parse,
            Retain::All,
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
            cache = install(fcinfo, Cache::new(ArgKind::Varies));
        }
        let c = &mut *cache;
        if let Some(v) = c.last_for(key) {
            return v;
        }
        c.find_or_parse(
            key,
            || ces_core::summary::model_text(key).or_raise().to_string(),
            parse,
            Retain::All,
        )
    }
}

/// The last result of a function whose result depends only on its arguments (and, for a
/// name lookup, on the snapshot), kept per call site: `ces_model_at(m, <constant>)`,
/// `ces_model(weights, as_of => now())` and `ces_model('health'::text)` are built once, not
/// once per row.
struct Memo {
    /// The arguments' bytes: a short fixed part (flags, as_of) and a varlena's bytes.
    head: Vec<u8>,
    body: Vec<u8>,
    out: *mut pg_sys::varlena,
}

/// The varlena `make()` returns for arguments `head` and `body` (their bytes, unambiguously
/// split: `head` has a fixed layout per call site), or the one made for the same arguments by
/// this call site's previous call.
#[inline(always)]
pub unsafe fn memo(
    fcinfo: FunctionCallInfo,
    head: &[u8],
    body: &[u8],
    make: impl FnOnce() -> Vec<u8>,
) -> Datum {
    unsafe { memo_hit(fcinfo, head, body).unwrap_or_else(|| memo_miss(fcinfo, head, body, make())) }
}

/// The previous result when the arguments are the same; reads only the cache (never raises).
#[inline(always)]
pub unsafe fn memo_hit(fcinfo: FunctionCallInfo, head: &[u8], body: &[u8]) -> Option<Datum> {
    unsafe {
        let cache = (*(*fcinfo).flinfo).fn_extra as *const Memo;
        (!cache.is_null() && (*cache).head == head && (*cache).body == body)
            .then(|| Datum::from((*cache).out))
    }
}

#[cold]
unsafe fn memo_miss(fcinfo: FunctionCallInfo, head: &[u8], body: &[u8], bytes: Vec<u8>) -> Datum {
    unsafe {
        let flinfo = (*fcinfo).flinfo;
        let cache = (*flinfo).fn_extra as *mut Memo;
        let out =
            PgMemoryContexts::For((*flinfo).fn_mcxt).switch_to(|_| fmgr::varlena_from(&bytes));
        if cache.is_null() {
            let memo = Memo {
                head: head.to_vec(),
                body: body.to_vec(),
                out,
            };
            install(fcinfo, memo);
        } else {
            // The previous result was for an earlier row, which is done with it.
            pg_sys::pfree((*cache).out.cast());
            let c = &mut *cache;
            c.head.clear();
            c.head.extend_from_slice(head);
            c.body.clear();
            c.body.extend_from_slice(body);
            c.out = out;
        }
        Datum::from(out)
    }
}
