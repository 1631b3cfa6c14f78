//! Raw fmgr (version-1 calling convention) helpers for the hot paths.
//! The aggregate support functions read their arguments straight from `fcinfo`
//! instead of going through `#[pg_extern]` wrappers, which cost a measurable share per row.

use crate::model_cache::ArgKind;
use pgrx::pg_sys;
use pgrx::pg_sys::{Datum, FunctionCallInfo, NullableDatum};

/// Declares the `pg_finfo_<name>` record PostgreSQL looks up for a V1 C function.
macro_rules! pg_finfo_v1 {
    ($finfo:ident) => {
        #[unsafe(no_mangle)]
        #[doc(hidden)]
        pub extern "C" fn $finfo() -> &'static ::pgrx::pg_sys::Pg_finfo_record {
            const V1: ::pgrx::pg_sys::Pg_finfo_record =
                ::pgrx::pg_sys::Pg_finfo_record { api_version: 1 };
            &V1
        }
    };
}
pub(crate) use pg_finfo_v1;

#[inline(always)]
pub unsafe fn arg(fcinfo: FunctionCallInfo, i: usize) -> NullableDatum {
    unsafe { *(*fcinfo).args.as_ptr().add(i) }
}

#[inline(always)]
pub unsafe fn return_null(fcinfo: FunctionCallInfo) -> Datum {
    unsafe { (*fcinfo).isnull = true };
    Datum::from(0usize)
}

/// The payload of a text/bytea/jsonb datum stored inline and uncompressed, or None (then
/// `varlena_bytes` detoasts it). Calls nothing in PostgreSQL, so it may run outside the
/// pg_guard frame.
#[inline(always)]
pub unsafe fn varlena_inline<'a>(d: Datum) -> Option<&'a [u8]> {
    unsafe {
        let p = d.cast_mut_ptr::<pg_sys::varlena>();
        if pgrx::varlena::varatt_is_1b_e(p) || pgrx::varlena::varatt_is_4b_c(p) {
            return None;
        }
        Some(payload(p))
    }
}

/// The payload of a text/bytea/jsonb datum. Only compressed or out-of-line values are
/// detoasted (into the current, per-tuple memory context); inline ones are read in place.
#[inline(always)]
pub unsafe fn varlena_bytes<'a>(d: Datum) -> &'a [u8] {
    unsafe {
        varlena_inline(d).unwrap_or_else(|| {
            payload(pg_sys::pg_detoast_datum_packed(
                d.cast_mut_ptr::<pg_sys::varlena>(),
            ))
        })
    }
}

/// The payload of a non-external varlena. The length is computed with saturating
/// arithmetic (pgrx's `varsize_any_exhdr` subtracts unchecked), so a corrupt header can
/// give an empty slice but never a panic on the unguarded hot paths.
#[inline(always)]
unsafe fn payload<'a>(p: *const pg_sys::varlena) -> &'a [u8] {
    unsafe {
        let len = if pgrx::varlena::varatt_is_1b(p) {
            pgrx::varlena::varsize_1b(p).saturating_sub(pg_sys::VARHDRSZ_SHORT)
        } else {
            pgrx::varlena::varsize_4b(p).saturating_sub(pg_sys::VARHDRSZ)
        };
        std::slice::from_raw_parts(pgrx::varlena::vardata_any(p) as *const u8, len)
    }
}

/// A timestamptz (or other int8-like) argument, None when NULL.
#[inline(always)]
pub unsafe fn i64_arg(fcinfo: FunctionCallInfo, i: usize) -> Option<i64> {
    unsafe {
        let a = arg(fcinfo, i);
        (!a.isnull).then(|| a.value.value() as i64)
    }
}

/// Arguments 1 and 2 of the scoring transitions: the event name (detoasted if need be) and
/// ts, each None when NULL.
#[inline(always)]
pub unsafe fn event_ts_args<'a>(fcinfo: FunctionCallInfo) -> (Option<&'a [u8]>, Option<i64>) {
    unsafe {
        let e = arg(fcinfo, 1);
        (
            (!e.isnull).then(|| varlena_bytes(e.value)),
            i64_arg(fcinfo, 2),
        )
    }
}

/// A by-value float8 datum, as the jsonb ces_score's state and ces_score(model)'s running
/// sum keep it.
#[inline(always)]
pub fn f64_of(d: Datum) -> f64 {
    f64::from_bits(d.value() as u64)
}

#[inline(always)]
pub fn f64_datum(x: f64) -> Datum {
    Datum::from(x.to_bits() as usize)
}

/// Argument `i` (text) on a hot path: `Some(None)` when NULL, `Some(Some(bytes))` when
/// stored inline, None when it must be detoasted (the row then takes the guarded path).
#[inline(always)]
pub unsafe fn inline_text_arg<'a>(fcinfo: FunctionCallInfo, i: usize) -> Option<Option<&'a [u8]>> {
    unsafe {
        let a = arg(fcinfo, i);
        if a.isnull {
            Some(None)
        } else {
            varlena_inline(a.value).map(Some)
        }
    }
}

/// The aggregate memory context, or an ERROR when called outside an aggregate.
pub unsafe fn agg_context(fcinfo: FunctionCallInfo, who: &str) -> pg_sys::MemoryContext {
    let mut ctx: pg_sys::MemoryContext = std::ptr::null_mut();
    if unsafe { pg_sys::AggCheckCallContext(fcinfo, &mut ctx) } == 0 {
        pgrx::error!("{who} called in non-aggregate context");
    }
    ctx
}

/// How argument `n` of the current call (counting a transition function's state as
/// argument 0) varies. A Const is `Literal`: a value parsed from it is reused for the whole
/// execution without comparing bytes again. An aggregate's argument without Vars and
/// without volatile functions (`ces_model('health')`, `ces_model_at(m, <constant>)`, a
/// Param) is `Stable`: one value for a whole scan, changing only when the aggregate is
/// rescanned. Plain functions look at their FuncExpr, and there only a Const counts; a
/// window function's transition sees placeholder Params, so it is always `Varies`.
pub unsafe fn arg_kind(fcinfo: FunctionCallInfo, n: usize) -> ArgKind {
    unsafe {
        let aggref = pg_sys::AggGetAggref(fcinfo);
        let expr: *mut pg_sys::Node = if !aggref.is_null() {
            // A transition function's first argument is the state; the Aggref lists only
            // the aggregate's own arguments.
            let Some(agg_arg) = n.checked_sub(1) else {
                return ArgKind::Varies;
            };
            let te = list_nth((*aggref).args, agg_arg) as *mut pg_sys::TargetEntry;
            if te.is_null() {
                return ArgKind::Varies;
            }
            let expr = (*te).expr as *mut pg_sys::Node;
            if !expr.is_null()
                && (*expr).type_ != pg_sys::NodeTag::T_Const
                && !pg_sys::contain_var_clause(expr)
                && !pg_sys::contain_volatile_functions_after_planning(expr.cast())
            {
                return ArgKind::Stable;
            }
            expr
        } else {
            let flinfo = (*fcinfo).flinfo;
            if flinfo.is_null() || (*flinfo).fn_expr.is_null() {
                return ArgKind::Varies;
            }
            let fexpr = (*flinfo).fn_expr;
            if (*fexpr).type_ != pg_sys::NodeTag::T_FuncExpr {
                return ArgKind::Varies;
            }
            list_nth((*(fexpr as *mut pg_sys::FuncExpr)).args, n) as *mut pg_sys::Node
        };
        if !expr.is_null() && (*expr).type_ == pg_sys::NodeTag::T_Const {
            ArgKind::Literal
        } else {
            ArgKind::Varies
        }
    }
}

unsafe fn list_nth(list: *mut pg_sys::List, n: usize) -> *mut std::ffi::c_void {
    unsafe {
        if list.is_null() || n >= (*list).length as usize {
            return std::ptr::null_mut();
        }
        (*(*list).elements.add(n)).ptr_value
    }
}

/// Text form of a jsonb datum (cache misses only). Raises 22021 when it is not UTF-8 (a
/// SQL_ASCII or single-byte database): event names are matched byte for byte, and a
/// replaced byte could make two names equal. `what` (weights, bands) names it in the error.
pub unsafe fn jsonb_text(d: Datum, what: &str) -> String {
    unsafe {
        let raw = d.cast_mut_ptr::<pg_sys::varlena>();
        let jb = pg_sys::pg_detoast_datum(raw) as *mut pg_sys::Jsonb;
        let len = pgrx::varlena::varsize_any(jb as *const pg_sys::varlena) as i32;
        let cstr = pg_sys::JsonbToCString(std::ptr::null_mut(), &mut (*jb).root, len);
        utf8(std::ffi::CStr::from_ptr(cstr).to_bytes(), what).to_owned()
    }
}

/// `bytes` as UTF-8, or ERROR 22021 naming `what` and the first bad byte. ces never
/// replaces invalid bytes (U+FFFD would make distinct event names collide).
pub fn utf8<'a>(bytes: &'a [u8], what: &str) -> &'a str {
    std::str::from_utf8(bytes).unwrap_or_else(|e| {
        let at = e.valid_up_to();
        crate::error::raise(
            ces_core::CesError::encoding(format!(
                "invalid UTF-8 in {what}: byte 0x{:02x} at offset {at}",
                bytes.get(at).copied().unwrap_or(0)
            ))
            .with_hint("ces reads models and weights as UTF-8; use a UTF8 database or ASCII names"),
        )
    })
}

/// `bytes` for an error message: UTF-8 as is, any other byte as \xNN (never replaced).
pub fn display_bytes(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        s.push_str(chunk.valid());
        for b in chunk.invalid() {
            s.push_str(&format!("\\x{b:02x}"));
        }
    }
    s
}

/// A palloc'd varlena (bytea, text, ces_model, ces_summary) holding `bytes`.
pub unsafe fn varlena_from(bytes: &[u8]) -> *mut pg_sys::varlena {
    unsafe {
        let total = pg_sys::VARHDRSZ + bytes.len();
        let p = pg_sys::palloc(total) as *mut pg_sys::varlena;
        pgrx::varlena::set_varsize_4b(p, total as i32);
        std::ptr::copy_nonoverlapping(
            bytes.as_ptr(),
            pgrx::varlena::vardata_any(p) as *mut u8,
            bytes.len(),
        );
        p
    }
}

/// A palloc'd C string (type output functions return one).
pub unsafe fn cstring_from(s: &str) -> Datum {
    unsafe {
        let p = pg_sys::palloc(s.len() + 1) as *mut u8;
        std::ptr::copy_nonoverlapping(s.as_ptr(), p, s.len());
        *p.add(s.len()) = 0;
        Datum::from(p)
    }
}

/// The argument as a Rust str, for cstring arguments of input functions; 22021 when it
/// is not UTF-8.
pub unsafe fn cstring_arg<'a>(d: Datum) -> &'a str {
    unsafe {
        utf8(
            std::ffi::CStr::from_ptr(d.cast_mut_ptr::<std::ffi::c_char>()).to_bytes(),
            "type input",
        )
    }
}

/// The unread rest of a binary-receive buffer (a StringInfo), consumed.
pub unsafe fn recv_bytes<'a>(d: Datum) -> &'a [u8] {
    unsafe {
        let buf = d.cast_mut_ptr::<pg_sys::StringInfoData>();
        let start = (*buf).cursor as usize;
        let len = (*buf).len as usize - start;
        (*buf).cursor = (*buf).len;
        std::slice::from_raw_parts((*buf).data.add(start) as *const u8, len)
    }
}

/// A growable array of `T` in a PostgreSQL memory context, for scratch space whose size comes
/// from input: PostgreSQL accounts for it, and running out of memory is an ERROR (53200),
/// not an abort. Freed with its context; new elements are zeroed, old ones kept on growth.
pub struct PgBuf<T: Copy> {
    ptr: *mut T,
    cap: usize,
}

impl<T: Copy> Default for PgBuf<T> {
    fn default() -> Self {
        PgBuf {
            ptr: std::ptr::null_mut(),
            cap: 0,
        }
    }
}

impl<T: Copy> PgBuf<T> {
    /// The first `len` elements, growing the buffer in `ctx` (MemoryContextAllocHuge) first
    /// when it is shorter. `T` must be valid when all-zero (numbers and structs of them).
    pub unsafe fn get(&mut self, ctx: pg_sys::MemoryContext, len: usize) -> &mut [T] {
        unsafe {
            if len > self.cap {
                let size = std::mem::size_of::<T>();
                let Some(bytes) = len
                    .checked_mul(size)
                    .filter(|b| *b <= isize::MAX as usize / 2)
                else {
                    pgrx::error!("scratch buffer of {len} elements is too large");
                };
                let flags = (pg_sys::MCXT_ALLOC_HUGE | pg_sys::MCXT_ALLOC_ZERO) as i32;
                let p = pg_sys::MemoryContextAllocExtended(ctx, bytes.max(1), flags) as *mut T;
                if !self.ptr.is_null() {
                    std::ptr::copy_nonoverlapping(self.ptr, p, self.cap);
                    pg_sys::pfree(self.ptr as *mut std::ffi::c_void);
                }
                self.ptr = p;
                self.cap = len;
            }
            if len == 0 {
                &mut []
            } else {
                std::slice::from_raw_parts_mut(self.ptr, len)
            }
        }
    }
}

/// A palloc'd one-dimensional float8[] of `len` elements whose first `nulls` are NULL (a
/// null bitmap only when `nulls > 0`), and the data of the others, zeroed, to fill in place.
pub unsafe fn float8_array_after_nulls<'a>(len: usize, nulls: usize) -> (Datum, &'a mut [f64]) {
    unsafe {
        let nulls = nulls.min(len);
        let values = len - nulls;
        // ArrayType header, then dims[1] and lbound[1], then the bitmap, MAXALIGNed.
        let head = std::mem::size_of::<pg_sys::ArrayType>() + 2 * std::mem::size_of::<i32>();
        let bitmap = if nulls > 0 { len.div_ceil(8) } else { 0 };
        let data_at = (head + bitmap + 7) & !7;
        let total = values
            .checked_mul(8)
            .and_then(|b| b.checked_add(data_at))
            .filter(|t| *t <= 0x3fff_ffff && len <= i32::MAX as usize) // MaxAllocSize
            .unwrap_or_else(|| pgrx::error!("array of {len} elements is too large"));
        let p = pg_sys::palloc0(total) as *mut u8;
        pgrx::varlena::set_varsize_4b(p as *mut pg_sys::varlena, total as i32);
        let a = p as *mut pg_sys::ArrayType;
        (*a).ndim = 1;
        (*a).dataoffset = if nulls > 0 { data_at as i32 } else { 0 };
        (*a).elemtype = pg_sys::FLOAT8OID;
        let dims = p.add(std::mem::size_of::<pg_sys::ArrayType>()) as *mut i32;
        *dims = len as i32;
        *dims.add(1) = 1;
        if nulls > 0 {
            let bits = std::slice::from_raw_parts_mut(p.add(head), bitmap);
            for i in nulls..len {
                bits[i / 8] |= 1 << (i % 8);
            }
        }
        let data = if values == 0 {
            &mut []
        } else {
            std::slice::from_raw_parts_mut(p.add(data_at) as *mut f64, values)
        };
        (Datum::from(p), data)
    }
}
