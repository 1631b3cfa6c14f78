-- ces_score(event, ts, weights jsonb) and ces_band(score, bands jsonb).
-- Hand-written: the hot-path support function reads its arguments straight from fcinfo,
-- and the moving-window functions share the internal state of the model aggregates.

CREATE FUNCTION ces_score_trans(double precision, text, timestamptz, jsonb) RETURNS double precision
    LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'ces_score_trans';

-- The state is the running sum (by value, in the hash entry); float8pl combines partial sums.
CREATE AGGREGATE ces_score(event text, ts timestamptz, weights jsonb) (
    SFUNC = ces_score_trans,
    STYPE = double precision,
    COMBINEFUNC = float8pl,
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
