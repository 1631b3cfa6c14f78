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
