-- ces_score(event, ts, weights jsonb) and ces_band(score, bands jsonb).
-- Hand-written: the hot-path support function reads its arguments straight from fcinfo,
-- and the moving-window functions share the internal state of the model aggregates.

CREATE FUNCTION ces_score_trans(double precision, text, timestamptz, jsonb) RETURNS double precision
    LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'ces_score_trans';

-- The state is the running sum (by value, in the hash entry); float8pl combines partial sums.
CREATE AGGREGATE ces_score(event text, ts timestamptz, weights jsonb) (
    SFUNC = @extschema@.ces_score_trans,
    STYPE = double precision,
    COMBINEFUNC = pg_catalog.float8pl,
    -- As a moving window (RANGE ... PRECEDING) rows leave the frame through the inverse
    -- function; the moving state keeps exact counts per event type (see models.sql).
    MSFUNC = @extschema@.ces_weights_trans,
    MINVFUNC = @extschema@.ces_weights_inv,
    MSTYPE = internal,
    MFINALFUNC = @extschema@.ces_state_score,
    PARALLEL = SAFE
);
-- Support functions are for the aggregate only (it checks them against its owner, not the caller).
REVOKE ALL ON FUNCTION ces_score_trans(double precision, text, timestamptz, jsonb) FROM PUBLIC;
COMMENT ON AGGREGATE ces_score(text, timestamptz, jsonb) IS
    'Customer Engagement Score: sum of weights[event] over the rows; NULL for no rows, 0 when nothing is weighted';

CREATE FUNCTION ces_band(score double precision, bands jsonb) RETURNS text
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'ces_band_custom';
COMMENT ON FUNCTION ces_band(double precision, jsonb) IS
    'Band of a score under a custom scheme: [{"name":..,"upto"|"below":..}, ..., {"name":..}]';
