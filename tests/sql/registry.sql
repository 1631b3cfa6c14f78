-- Named, versioned models: ces_define_model, ces_model(name, version), the ces_models view,
-- immutability, errors and privileges. (pg_dump/pg_restore: tests/dump_restore.sh.)
BEGIN;
SELECT ces_define_model('health', '{"login":1,"upgraded":50}', 'first cut') AS v1;
SELECT ces_define_model('health', ces_model('{"login":1,"upgraded":50,"support_ticket":-5}', half_life => '14 days')) AS v2;
SELECT ces_define_model('onboarding', '{"project_added":5}') AS v1;
SELECT name, version, model, note, created_by = current_user AS by_me, created_at = now() AS now
FROM ces_models ORDER BY name, version;
SELECT ces_model('health') AS latest, ces_model('health', 1) AS first;
SELECT ces_score(e, NULL, ces_model('health', 1)) FROM (VALUES ('login'), ('upgraded')) v(e);
-- Publishing the latest model again returns its version and adds nothing; equality is on
-- the canonical model (key order, 1 vs 1.0), and the note does not count. A changed model
-- adds one version, and going back to an earlier model is a change too.
SELECT ces_define_model('health', ces_model('{"support_ticket":-5,"upgraded":50.0,"login":1}', half_life => '336 hours'), 'rerun') AS same_v2;
SELECT ces_define_model('health', ces_model('{"login":1,"upgraded":50,"support_ticket":-5}', half_life => '14 days')) AS same_v2_again;
SELECT count(*) AS health_versions FROM ces_models WHERE name = 'health';
SELECT ces_define_model('health', ces_model('{"login":1,"upgraded":50,"support_ticket":-6}', half_life => '14 days')) AS v3_changed;
SELECT ces_define_model('health', '{"login":1,"upgraded":50}') AS v4_back_to_v1;
SELECT ces_define_model('health', '{"login":1,"upgraded":50}') AS still_v4;
SELECT name, version, note FROM ces_models WHERE name = 'health' ORDER BY version;
-- A model name where a model is expected reads the latest version from the registry.
SELECT 'onboarding'::ces_model AS by_name,
       ces_score(e, NULL, 'onboarding') AS uncast_name FROM (VALUES ('project_added')) v(e);

-- ces_model_at pins (or clears) a model's as_of.
SELECT ces_model_at(ces_model('health', 2), '2026-10-01 00:00+00') AS pinned,
       ces_model_at(ces_model('{"a":1}', as_of => '2026-10-01 00:00+00'), NULL) AS cleared;
SELECT ces_score(e, ts, ces_model_at(ces_model('health', 2), '2026-10-01 00:00+00')) AS one_half_life
FROM (VALUES ('login', timestamptz '2026-09-17 00:00+00')) v(e, ts);
-- Unknown names and versions: 42704 with a hint.
SELECT expect_error($$SELECT ces_model('nope')$$);
SELECT expect_error($$SELECT ces_model('health', 7)$$);
SELECT expect_error($$SELECT ces_define_model('', '{"a":1}')$$);
SELECT expect_error($$SELECT ces_define_model('x', NULL)$$);
-- Names are identifier-like, as the cast looks them up: anything else is read as JSON.
SELECT expect_error($$SELECT ces_define_model('{"a":1}', '{"a":1}')$$);
SELECT expect_error($$SELECT ces_define_model('health model', '{"a":1}')$$);
SELECT expect_error($$SELECT ces_define_model(repeat('m', 64), '{"a":1}')$$);
SELECT ces_define_model('_churn-risk.v2', '{"a":1}') AS odd_but_valid;
SELECT '_churn-risk.v2'::ces_model AS by_name;
SELECT expect_error($$SELECT 'no_such_model'::ces_model$$);
SELECT expect_error($$SELECT '{"login":1,}'::ces_model$$);
SELECT expect_error($$SELECT 'health model'::ces_model$$);
SELECT expect_error($$SELECT ces_score(e, NULL, '{"login":1,}') FROM (VALUES ('login')) v(e)$$);
SELECT expect_error($$SELECT ces_define_model('x', '{"a":"one"}')$$);

-- A literal name is resolved when a view is created, and so is ces_model('name') with a bare
-- literal (PostgreSQL's function-style cast); ces_model with a typed or named argument is a
-- function call, evaluated at each query.
CREATE TEMP VIEW lit_view AS SELECT 'onboarding'::ces_model AS m;
CREATE TEMP VIEW cast_view AS SELECT ces_model('onboarding') AS m;
CREATE TEMP VIEW text_view AS SELECT ces_model('onboarding'::text) AS m;
CREATE TEMP VIEW named_view AS SELECT ces_model(name => 'onboarding') AS m;
SELECT ces_define_model('onboarding', '{"project_added":7}') AS onboarding_v2;
SELECT (SELECT m FROM lit_view) AS literal_stays_on_v1, (SELECT m FROM cast_view) AS bare_call_stays_on_v1,
       (SELECT m FROM text_view) AS text_follows_v2, (SELECT m FROM named_view) AS named_follows_v2;
SELECT pg_get_viewdef('lit_view') AS lit, pg_get_viewdef('cast_view') AS bare_call,
       pg_get_viewdef('text_view') AS text, pg_get_viewdef('named_view') AS named;

-- Published versions are immutable.
SELECT expect_error($$UPDATE ces_model_registry SET note = 'changed' WHERE name = 'health'$$);
SELECT expect_error($$DELETE FROM ces_model_registry WHERE name = 'health'$$);
SELECT expect_error($$TRUNCATE ces_model_registry$$);

-- Any role reads models; publishing needs EXECUTE on ces_define_model, and no role writes
-- registry rows directly (tests/sql/security_privileges.sql has the full privilege model).
CREATE ROLE ces_reader;
CREATE ROLE ces_modeler;
GRANT EXECUTE ON FUNCTION ces_define_model(text, ces_model, text) TO ces_modeler;
SET LOCAL ROLE ces_reader;
SELECT count(*) AS visible FROM ces_models;
SELECT ces_model('onboarding');
SELECT expect_error($$SELECT ces_define_model('mine', '{"a":1}')$$);
RESET ROLE;
SET LOCAL ROLE ces_modeler;
SELECT ces_define_model('mine', '{"a":1}') AS modeler_can_define;
SELECT created_by FROM ces_models WHERE name = 'mine';
SELECT expect_error($$INSERT INTO ces_model_registry (name, version, model, created_by) VALUES ('mine', 2147483647, '{"a":1}', 'someone_else')$$);
RESET ROLE;
ROLLBACK;
-- With no models defined, the hint says how to publish one.
SELECT expect_error($$SELECT ces_model('health')$$);
