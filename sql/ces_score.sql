-- ces_score(event, ts, weights jsonb) and ces_band(score, bands jsonb).
-- Hand-written: pgrx's #[pg_aggregate] cannot declare an internal-state aggregate with a
-- correct deserialize function (pgrx issue 2351), and the hot-path support functions
-- read their arguments straight from fcinfo.

CREATE FUNCTION ces_score_trans(internal, text, timestamptz, jsonb) RETURNS internal
    LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'ces_score_trans';
CREATE FUNCTION ces_score_combine(internal, internal) RETURNS internal
    LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'ces_score_combine';
CREATE FUNCTION ces_score_serialize(internal) RETURNS bytea
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'ces_score_serialize';
CREATE FUNCTION ces_score_deserialize(bytea, internal) RETURNS internal
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'ces_score_deserialize';
CREATE FUNCTION ces_score_final(internal) RETURNS double precision
    LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'ces_score_final';

CREATE AGGREGATE ces_score(event text, ts timestamptz, weights jsonb) (
    SFUNC = ces_score_trans,
    STYPE = internal,
    SSPACE = 16,
    FINALFUNC = ces_score_final,
    COMBINEFUNC = ces_score_combine,
    SERIALFUNC = ces_score_serialize,
    DESERIALFUNC = ces_score_deserialize,
    -- As a moving window (RANGE ... PRECEDING) rows leave the frame through the inverse
    -- function; the moving state keeps exact counts per event type (see models.sql).
    MSFUNC = ces_weights_trans,
    MINVFUNC = ces_weights_inv,
    MSTYPE = internal,
    MFINALFUNC = ces_state_score,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE ces_score(text, timestamptz, jsonb) IS
    'Customer Engagement Score: sum of weights[event] over the rows; NULL for no rows, 0 when nothing is weighted';

CREATE FUNCTION ces_band(score double precision, bands jsonb) RETURNS text
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'ces_band_custom';
COMMENT ON FUNCTION ces_band(double precision, jsonb) IS
    'Band of a score under a custom scheme: [{"name":..,"upto"|"below":..}, ..., {"name":..}]';
