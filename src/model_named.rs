//! Named models: `ces_model(name, version)` and the registry lookup behind a name cast to
//! `ces_model`. A call site keeps the model it looked up for as long as the snapshot it
//! read with is the one in use, so `ces_score(event, ts, ces_model('health'))` looks the
//! name up once per statement, not once per row, and still sees a version published by an
//! earlier statement of the same transaction or function. Lookups are read-only SPI
//! queries: no transaction ID, so they run in READ ONLY transactions, parallel workers and
//! on a hot standby.

use crate::fmgr::{self, pg_finfo_v1};
use pgrx::datum::DatumWithOid;
use pgrx::pg_guard;
use pgrx::pg_sys::{self, Datum, FunctionCallInfo};
use pgrx::PgMemoryContexts;

/// What decides which registry rows a query sees: equal keys, equal visibility.
/// `snapXactCompletionCount` changes whenever any transaction ends, `curcid` with every
/// command of this transaction that wrote.
#[derive(Clone, Copy, PartialEq, Eq)]
struct SnapshotKey {
    xmin: u32,
    xmax: u32,
    curcid: u32,
    completions: u64,
    xcnt: u32,
    subxcnt: i32,
    /// A snapshot restored in a parallel worker or imported has no completion count; such a
    /// snapshot is fixed for the worker's query or the transaction, so its address tells it.
    address: usize,
}

// Called once per row: straight to PostgreSQL, without pgrx's error-catching frame (neither
// function can raise: they read the active snapshot stack).
unsafe extern "C" {
    #[link_name = "ActiveSnapshotSet"]
    fn active_snapshot_set() -> bool;
    #[link_name = "GetActiveSnapshot"]
    fn get_active_snapshot() -> pg_sys::Snapshot;
}

#[inline(always)]
unsafe fn snapshot_key() -> Option<SnapshotKey> {
    unsafe {
        if !active_snapshot_set() {
            return None;
        }
        let s = get_active_snapshot();
        if s.is_null() {
            return None;
        }
        Some(SnapshotKey {
            xmin: (*s).xmin.into_inner(),
            xmax: (*s).xmax.into_inner(),
            curcid: (*s).curcid,
            completions: (*s).snapXactCompletionCount,
            xcnt: (*s).xcnt,
            subxcnt: (*s).subxcnt,
            address: if (*s).snapXactCompletionCount == 0 {
                s as usize
            } else {
                0
            },
        })
    }
}

/// The call site's last lookup: the model datum (palloc'd in the call site's context).
struct Named {
    name: Vec<u8>,
    version: Option<i32>,
    snapshot: SnapshotKey,
    model: *mut pg_sys::varlena,
}

pg_finfo_v1!(pg_finfo_ces_model_named);
/// `ces_model(name text, version integer DEFAULT NULL)`: the published model, the latest
/// version when `version` is NULL; 42704 (with what exists) when there is none. The usual
/// call (the same name, the same snapshot) is answered outside the pg_guard frame: it reads
/// the call site's cache, the arguments and the active snapshot, and raises nothing.
#[unsafe(no_mangle)]
pub unsafe extern "C-unwind" fn ces_model_named(fcinfo: FunctionCallInfo) -> Datum {
    unsafe {
        let cache = (*(*fcinfo).flinfo).fn_extra as *const Named;
        let name = fmgr::arg(fcinfo, 0);
        let version = fmgr::arg(fcinfo, 1);
        if !cache.is_null() && !name.isnull {
            let c = &*cache;
            let version = (!version.isnull).then(|| version.value.value() as i32);
            if c.version == version
                && fmgr::varlena_inline(name.value) == Some(&c.name[..])
                && snapshot_key() == Some(c.snapshot)
            {
                return Datum::from(c.model);
            }
        }
        named_guarded(fcinfo)
    }
}

#[pg_guard]
#[inline(never)]
unsafe extern "C-unwind" fn named_guarded(fcinfo: FunctionCallInfo) -> Datum {
    unsafe {
        let name = fmgr::arg(fcinfo, 0);
        let version = fmgr::arg(fcinfo, 1);
        let version = (!version.isnull).then(|| version.value.value() as i32);
        if name.isnull {
            missing(fcinfo, DatumWithOid::null_oid(pg_sys::TEXTOID), version);
        }
        let bytes = fmgr::varlena_bytes(name.value);
        let flinfo = (*fcinfo).flinfo;
        let mut cache = (*flinfo).fn_extra as *mut Named;
        let snapshot = snapshot_key();
        if !cache.is_null() {
            let c = &*cache;
            if snapshot == Some(c.snapshot) && c.version == version && c.name == bytes {
                return Datum::from(c.model);
            }
        }
        let Some(model) = lookup(
            fcinfo,
            DatumWithOid::new(name.value, pg_sys::TEXTOID),
            version,
        ) else {
            missing(
                fcinfo,
                DatumWithOid::new(name.value, pg_sys::TEXTOID),
                version,
            );
        };
        let Some(snapshot) = snapshot else {
            // nothing to key a cache on: a copy in the caller's context
            return Datum::from(fmgr::varlena_from(&model));
        };
        let copy =
            PgMemoryContexts::For((*flinfo).fn_mcxt).switch_to(|_| fmgr::varlena_from(&model));
        if cache.is_null() {
            let named = Named {
                name: bytes.to_vec(),
                version,
                snapshot,
                model: copy,
            };
            cache = PgMemoryContexts::For((*flinfo).fn_mcxt).leak_and_drop_on_delete(named);
            (*flinfo).fn_extra = cache.cast();
        } else {
            let c = &mut *cache;
            // The previous result belonged to an earlier statement or scan, which is done
            // with it.
            pg_sys::pfree(c.model.cast());
            *c = Named {
                name: bytes.to_vec(),
                version,
                snapshot,
                model: copy,
            };
        }
        Datum::from(copy)
    }
}

/// `<extension schema>.<what>`, the schema being that of the function called.
unsafe fn qualified(fcinfo: FunctionCallInfo, what: &str) -> String {
    unsafe {
        let nsp = pg_sys::get_func_namespace((*(*fcinfo).flinfo).fn_oid);
        let schema =
            std::ffi::CStr::from_ptr(pg_sys::quote_identifier(pg_sys::get_namespace_name(nsp)));
        format!("{}.{what}", fmgr::utf8(schema.to_bytes(), "schema name"))
    }
}

/// The stored bytes of model `name` (text) at `version` (the latest when None).
/// A read-only SPI query (`Spi::get_one` would run as an update and take an XID).
pub unsafe fn lookup(
    fcinfo: FunctionCallInfo,
    name: DatumWithOid<'_>,
    version: Option<i32>,
) -> Option<Vec<u8>> {
    unsafe {
        let query = format!(
            "SELECT r.model FROM {} r WHERE r.name OPERATOR(pg_catalog.=) $1 \
             AND ($2 IS NULL OR r.version OPERATOR(pg_catalog.=) $2) ORDER BY r.version DESC LIMIT 1",
            qualified(fcinfo, "ces_model_registry")
        );
        let args = [
            name,
            version.map_or_else(DatumWithOid::null::<i32>, DatumWithOid::from),
        ];
        pgrx::spi::Spi::connect(|client| {
            let rows = client.select(query.as_str(), Some(1), &args)?;
            if rows.is_empty() {
                return Ok(None);
            }
            Ok::<_, pgrx::spi::SpiError>(
                rows.first()
                    .get_datum_by_ordinal(1)?
                    .map(|d| fmgr::varlena_bytes(d).to_vec()),
            )
        })
        .unwrap_or_else(|e| pgrx::error!("model lookup failed: {e}"))
    }
}

/// Raises 42704 through `ces_model_missing`, which lists what exists.
pub unsafe fn missing(fcinfo: FunctionCallInfo, name: DatumWithOid<'_>, version: Option<i32>) -> ! {
    unsafe {
        let query = format!(
            "SELECT {}($1, $2)::pg_catalog.text",
            qualified(fcinfo, "ces_model_missing")
        );
        let args = [
            name,
            version.map_or_else(DatumWithOid::null::<i32>, DatumWithOid::from),
        ];
        let _ = pgrx::spi::Spi::connect(|client| {
            client.select(query.as_str(), Some(1), &args).map(|_| ())
        });
        pgrx::error!("model does not exist")
    }
}
