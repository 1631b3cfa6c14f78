//! Named models: `ces_model(name, version)` and the registry lookup behind a name cast to
//! `ces_model`. A call site keeps the model it looked up for as long as the snapshot it
//! read with is the one in use, so `ces_score(event, ts, ces_model('health'))` looks the
//! name up once per statement, not once per row, and still sees a version published by an
//! earlier statement of the same transaction or function. Lookups are read-only SPI
//! queries: no transaction ID, so they run in READ ONLY transactions, parallel workers and
//! on a hot standby.

use crate::fmgr;
use crate::model_cache;
use crate::v1::{guarded, v1};
use pgrx::datum::DatumWithOid;
use pgrx::pg_sys::{self, Datum, FunctionCallInfo};

// Called once per row: straight to PostgreSQL, without pgrx's error-catching frame (neither
// function can raise: they read the active snapshot stack).
unsafe extern "C" {
    #[link_name = "ActiveSnapshotSet"]
    fn active_snapshot_set() -> bool;
    #[link_name = "GetActiveSnapshot"]
    fn get_active_snapshot() -> pg_sys::Snapshot;
}

/// The fixed part of a lookup's memo key (`model_cache::memo`; the name is the rest): the
/// version, and what decides which registry rows a query sees, so equal keys mean equal
/// visibility. `snapXactCompletionCount` changes whenever any transaction ends, `curcid`
/// with every command of this transaction that wrote; a snapshot restored in a parallel
/// worker or imported has no completion count, but is fixed for the worker's query or the
/// transaction, so its address tells it. None without an active snapshot: nothing to key on.
#[inline(always)]
unsafe fn lookup_key(version: Option<i32>) -> Option<[u8; 41]> {
    unsafe {
        if !active_snapshot_set() {
            return None;
        }
        let s = get_active_snapshot();
        if s.is_null() {
            return None;
        }
        let address = if (*s).snapXactCompletionCount == 0 {
            s as u64
        } else {
            0
        };
        let mut k = [0u8; 41];
        k[0] = u8::from(version.is_some());
        k[1..5].copy_from_slice(&version.unwrap_or(0).to_le_bytes());
        k[5..9].copy_from_slice(&(*s).xmin.into_inner().to_le_bytes());
        k[9..13].copy_from_slice(&(*s).xmax.into_inner().to_le_bytes());
        k[13..17].copy_from_slice(&(*s).curcid.to_le_bytes());
        k[17..25].copy_from_slice(&(*s).snapXactCompletionCount.to_le_bytes());
        k[25..29].copy_from_slice(&(*s).xcnt.to_le_bytes());
        k[29..33].copy_from_slice(&(*s).subxcnt.to_le_bytes());
        k[33..41].copy_from_slice(&address.to_le_bytes());
        Some(k)
    }
}

unsafe fn version_of(version: pg_sys::NullableDatum) -> Option<i32> {
    (!version.isnull).then(|| version.value.value() as i32)
}

guarded! {
    fn named_guarded(fcinfo, name, version) {
        let version = version_of(version);
        if name.isnull {
            missing(fcinfo, DatumWithOid::null_oid(pg_sys::TEXTOID), version);
        }
        let text = || DatumWithOid::new(name.value, pg_sys::TEXTOID);
        let found = || {
            lookup(fcinfo, text(), version).unwrap_or_else(|| missing(fcinfo, text(), version))
        };
        match lookup_key(version) {
            Some(key) => model_cache::memo(fcinfo, &key, fmgr::varlena_bytes(name.value), found),
            // nothing to key a cache on: a copy in the caller's context
            None => Datum::from(fmgr::varlena_from(&found())),
        }
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

v1! {
    /// `ces_model(name text, version integer DEFAULT NULL)`: the published model, the latest
    /// version when `version` is NULL; 42704 (with what exists) when there is none. The usual
    /// call (the same name, the same snapshot) is answered outside the pg_guard frame: it reads
    /// the call site's cache, the arguments and the active snapshot, and raises nothing.
    "ces_model(text, integer) RETURNS ces_model STABLE PARALLEL SAFE"
    [raw] fn ces_model_named(fcinfo) {
        let name = fmgr::arg(fcinfo, 0);
        if !name.isnull {
            if let (Some(key), Some(bytes)) = (
                lookup_key(version_of(fmgr::arg(fcinfo, 1))),
                fmgr::varlena_inline(name.value),
            ) {
                if let Some(d) = model_cache::memo_hit(fcinfo, &key, bytes) {
                    return d;
                }
            }
        }
        named_guarded(fcinfo)
    }
}
