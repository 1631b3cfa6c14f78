-- Backtesting: does the score predict the outcome (renewal, churn)?

CREATE FUNCTION ces_auc_trans(internal, double precision, boolean) RETURNS internal
    LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'ces_auc_trans';
CREATE FUNCTION ces_auc_final(internal) RETURNS double precision
    LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'ces_auc_final';
-- The final function sorts the collected scores in place.
CREATE AGGREGATE ces_auc(score double precision, outcome boolean) (
    SFUNC = @extschema@.ces_auc_trans, STYPE = internal, FINALFUNC = @extschema@.ces_auc_final, FINALFUNC_MODIFY = READ_WRITE,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE ces_auc(double precision, boolean) IS
    'ROC AUC: probability that a random positive outcome scores above a random negative one (ties count one half)';

CREATE FUNCTION ces_lift_trans(internal, double precision, boolean, jsonb) RETURNS internal
    LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'ces_lift_trans';
CREATE FUNCTION ces_lift_trans_default(internal, double precision, boolean) RETURNS internal
    LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'ces_lift_trans_default';
CREATE FUNCTION ces_lift_final(internal) RETURNS jsonb
    LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'ces_lift_final';
CREATE AGGREGATE ces_lift(score double precision, outcome boolean, bands jsonb) (
    SFUNC = @extschema@.ces_lift_trans, STYPE = internal, SSPACE = 128, FINALFUNC = @extschema@.ces_lift_final, PARALLEL = SAFE
);
-- Aggregates take no DEFAULT arguments: this form uses ces_default_bands().
CREATE AGGREGATE ces_lift(score double precision, outcome boolean) (
    SFUNC = @extschema@.ces_lift_trans_default, STYPE = internal, SSPACE = 128, FINALFUNC = @extschema@.ces_lift_final, PARALLEL = SAFE
);
COMMENT ON AGGREGATE ces_lift(double precision, boolean, jsonb) IS
    'Per band, in band order: n, positives, rate and lift against the overall rate';
REVOKE ALL ON FUNCTION ces_auc_trans(internal, double precision, boolean), ces_auc_final(internal),
                       ces_lift_trans(internal, double precision, boolean, jsonb),
                       ces_lift_trans_default(internal, double precision, boolean),
                       ces_lift_final(internal) FROM PUBLIC;

-- ces_lift's result as rows, for BI tools that read tables: one row per band in band order
-- (band_rank 1 = the lowest band); rate and lift are NULL for a band without accounts.
CREATE FUNCTION ces_lift_rows(result jsonb)
RETURNS TABLE (band text, band_rank integer, accounts bigint, positives bigint, rate double precision, lift double precision)
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
BEGIN ATOMIC
    SELECT e.value OPERATOR(pg_catalog.->>) 'band',
           e.ordinality::pg_catalog.int4,
           (e.value OPERATOR(pg_catalog.->>) 'n')::pg_catalog.int8,
           (e.value OPERATOR(pg_catalog.->>) 'positives')::pg_catalog.int8,
           (e.value OPERATOR(pg_catalog.->>) 'rate')::pg_catalog.float8,
           (e.value OPERATOR(pg_catalog.->>) 'lift')::pg_catalog.float8
    FROM pg_catalog.jsonb_array_elements(ces_lift_rows.result) WITH ORDINALITY AS e(value, ordinality)
    ORDER BY e.ordinality;
END;
COMMENT ON FUNCTION ces_lift_rows(jsonb) IS
    'The result of ces_lift as rows: band, band_rank, accounts, positives, rate, lift';
