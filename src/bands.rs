//! Bands: `ces_band(score)` with the default scheme, `ces_band(score, bands jsonb)`
//! with a custom one (parsed once per call site), `ces_band_rank` (the band's position,
//! for sorting bands by meaning) and `ces_default_bands()`.

use crate::error::{raise, OrRaise};
use crate::fmgr;
use crate::model_cache::{self, Retain, Source};
use crate::v1::v1;
use ces_core::bands::DEFAULT_BANDS_JSON;
use ces_core::limits::MAX_BANDS_BYTES;
use ces_core::{Bands, CesError};
use pgrx::pg_sys::{self, Datum};
use pgrx::prelude::*;
use pgrx::IntoDatum;
use std::sync::OnceLock;

/// The default scheme, parsed once per backend.
pub(crate) fn default_bands() -> &'static Bands {
    static DEFAULT: OnceLock<Bands> = OnceLock::new();
    DEFAULT.get_or_init(Bands::default_bands)
}

/// Refuses a bands jsonb far beyond the limit before it is detoasted and printed as text
/// (54000). A scheme within the limits (at most MAX_BANDS bands and MAX_BANDS_BYTES of
/// text) is never this large as jsonb; the parser checks the text's exact size.
unsafe fn check_bands_datum(d: Datum) {
    let size = unsafe { pg_sys::toast_raw_datum_size(d) };
    if size > 2 * MAX_BANDS_BYTES {
        raise(CesError::limit(format!(
            "bands scheme is {size} bytes as jsonb; the limit is {MAX_BANDS_BYTES} bytes of text"
        )));
    }
}

/// Band of a score under the default scheme: churn risk (< 0), very disengaged (<= 40),
/// somewhat engaged (<= 70), highly engaged (<= 100), power user (> 100).
#[pg_extern(immutable, strict, parallel_safe)]
fn ces_band(score: f64) -> String {
    default_bands().classify(score).or_raise().to_string()
}

/// The default band scheme, in the format `ces_band(score, bands)` takes.
#[pg_extern(immutable, parallel_safe)]
fn ces_default_bands() -> pgrx::JsonB {
    pgrx::JsonB(serde_json::from_str(DEFAULT_BANDS_JSON).expect("valid default bands"))
}

v1! {
    /// `ces_band(score float8, bands jsonb)`, the bands parsed once per call site.
    "ces_band(double precision, jsonb) RETURNS text IMMUTABLE STRICT PARALLEL SAFE"
    fn ces_band_custom(fcinfo, score, bands) {
        let bands = bands_arg(fcinfo, 1, bands.value, Retain::Recent);
        let band = bands.classify(fmgr::f64_of(score.value)).or_raise();
        band.into_datum().expect("text is never NULL")
    }

    /// `ces_band_rank(score float8)`: the position of the score's band in the default
    /// scheme, 1 = the lowest.
    "ces_band_rank(double precision) RETURNS integer IMMUTABLE STRICT PARALLEL SAFE"
    fn ces_band_rank_default(fcinfo, score) {
        rank(default_bands(), fmgr::f64_of(score.value))
    }

    /// `ces_band_rank(score float8, bands jsonb)`, the bands parsed once per call site.
    "ces_band_rank(double precision, jsonb) RETURNS integer IMMUTABLE STRICT PARALLEL SAFE"
    fn ces_band_rank_custom(fcinfo, score, bands) {
        rank(bands_arg(fcinfo, 1, bands.value, Retain::Recent), fmgr::f64_of(score.value))
    }
}

/// A bands argument (number `argno`, not NULL), parsed once per call site; one far beyond
/// the size limit is refused before it is read.
pub(crate) unsafe fn bands_arg<'a>(
    fcinfo: pg_sys::FunctionCallInfo,
    argno: usize,
    bands: Datum,
    retain: Retain,
) -> &'a Bands {
    unsafe {
        if model_cache::constant::<Bands>(fcinfo).is_none() {
            check_bands_datum(bands);
        }
        model_cache::parsed(
            fcinfo,
            argno,
            bands,
            Source::Jsonb("bands"),
            Bands::parse_json,
            retain,
        )
    }
}

/// 1 for the lowest band; a scheme has at most MAX_BANDS bands, so the rank fits.
fn rank(bands: &Bands, score: f64) -> Datum {
    let i = bands.index(score).or_raise();
    Datum::from(i32::try_from(i + 1).expect("at most MAX_BANDS bands"))
}
