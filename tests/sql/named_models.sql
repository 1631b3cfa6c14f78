-- (A bare ces_model('nm') with an untyped literal is a cast, resolved when the query is
-- parsed; ces_model('nm'::text), or a name from a column or variable, calls the function.)
-- Named models at constant-model speed: ces_model(name) and ces_model_at(m, <constant>) are
-- looked up and built once per call site (not per row), the aggregate treats them as one
-- model for the scan, and ces_score(event, ts, model, as_of) scores one as_of per account.
-- Every form here equals the constant-model form, serially, in parallel, in the window form,
-- across rescans and after a new version is published.
BEGIN;  -- published models stay in the registry: everything here is rolled back
CREATE TABLE nm_events AS
SELECT (i % 40) AS account,
       (ARRAY['login','project_added','team_member_added','upgraded','support_ticket','other'])[1 + (i * 7919 % 6)] AS event,
       timestamptz '2026-08-01 00:00+00' + (i * 5171 % 5184000) * interval '1 second' AS ts
FROM generate_series(1, 20000) i;
CREATE TABLE nm_renewals AS
SELECT a AS account, timestamptz '2026-09-30 00:00+00' - (a % 20) * interval '1 day' AS renews,
       a % 3 AS segment
FROM generate_series(0, 39) a;
ANALYZE nm_events, nm_renewals;
SELECT ces_define_model('nm', '{"weights":{"login":1,"project_added":5,"team_member_added":10,"upgraded":50,"support_ticket":-3},"half_life":"7 days","lookback":"30 days"}');
SELECT ces_define_model('nm_capped', '{"weights":{"login":{"weight":1,"cap":40},"upgraded":50},"half_life":"7 days","lookback":"30 days"}');

-- The constant model the names stand for.
CREATE FUNCTION nm_const(as_of timestamptz) RETURNS ces_model LANGUAGE sql IMMUTABLE
RETURN ces_model('{"login":1,"project_added":5,"team_member_added":10,"upgraded":50,"support_ticket":-3}'::jsonb,
                 half_life => '7 days', lookback => '30 days', as_of => as_of);

-- No model is rebuilt per row: the plan shows the calls, not jsonb_set or a subquery.
SELECT plan_has($$SELECT ces_score(event, ts, ces_model_at(ces_model('nm'::text), '2026-09-30 00:00+00')) FROM nm_events$$, 'jsonb_set') AS rebuilds_per_row;

-- The call is planned once per execution (an InitPlan), not evaluated per row; with a column
-- in its arguments, ces_model_at stays per row and only the name lookup moves out.
SELECT plan_has($$SELECT ces_score(event, ts, ces_model_at(ces_model('nm'::text), '2026-09-30 00:00+00')) FROM nm_events$$, 'InitPlan') AS once_per_execution,
       plan_has($$SELECT ces_score(e.event, e.ts, ces_model_at(ces_model('nm'::text), r.renews)) FROM nm_events e JOIN nm_renewals r USING (account)$$, 'InitPlan') AS lookup_once,
       -- (PostgreSQL 16+ names the InitPlan's value (InitPlan 1).col1 where 15 says $0.)
       plan_has($$SELECT ces_score(e.event, e.ts, ces_model_at(ces_model('nm'::text), r.renews)) FROM nm_events e JOIN nm_renewals r USING (account)$$, 'ces_model_at($0, r.renews)')
       OR plan_has($$SELECT ces_score(e.event, e.ts, ces_model_at(ces_model('nm'::text), r.renews)) FROM nm_events e JOIN nm_renewals r USING (account)$$, 'ces_model_at((InitPlan 1).col1, r.renews)') AS model_at_per_row;
SELECT * FROM ces_model('nm_capped'::text);

-- Named, with a constant ces_model_at, equals the constant model (per account, exactly).
SELECT count(*) AS accounts, bool_and(a = b) AS same
FROM (SELECT account,
             ces_score(event, ts, ces_model_at(ces_model('nm'::text), '2026-09-30 00:00+00')) a,
             ces_score(event, ts, nm_const('2026-09-30 00:00+00')) b
      FROM nm_events GROUP BY account) x;

-- One as_of per account: the as_of argument equals ces_model_at per row, and plain SQL.
SELECT count(*) AS accounts, bool_and(abs(a - b) < 1e-9) AS same_as_model_at, bool_and(abs(a - c) < 1e-9) AS same_as_sql
FROM (SELECT r.account,
             ces_score(e.event, e.ts, ces_model('nm'::text), r.renews) a,
             ces_score(e.event, e.ts, ces_model_at(ces_model('nm'::text), r.renews)) b
      FROM nm_events e JOIN nm_renewals r USING (account) GROUP BY r.account) x
JOIN (SELECT r.account,
             sum(w.weight * power(0.5, extract(epoch FROM r.renews - e.ts) / 604800)) c
      FROM nm_events e JOIN nm_renewals r USING (account)
      JOIN (VALUES ('login', 1), ('project_added', 5), ('team_member_added', 10), ('upgraded', 50), ('support_ticket', -3)) w(event, weight) USING (event)
      WHERE e.ts <= r.renews AND e.ts > r.renews - interval '30 days'
      GROUP BY r.account) s USING (account);

-- Grouped by segment, rows are scored at their own as_of: the sum of the accounts' scores.
SELECT s.segment, round(s.score::numeric, 6) = round(a.total::numeric, 6) AS equal
FROM (SELECT segment, ces_score(e.event, e.ts, ces_model('nm'::text), r.renews) score
      FROM nm_events e JOIN nm_renewals r USING (account) GROUP BY segment) s
JOIN (SELECT segment, sum(score) total
      FROM (SELECT r.segment, ces_score(e.event, e.ts, ces_model('nm'::text), r.renews) score
            FROM nm_events e JOIN nm_renewals r USING (account) GROUP BY r.account, r.segment) p
      GROUP BY segment) a USING (segment) ORDER BY segment;

-- A capped model keeps a state per account: one as_of per group, or 22023.
SELECT count(*) AS accounts, bool_and(abs(a - b) < 1e-9) AS capped_same
FROM (SELECT r.account,
             ces_score(e.event, e.ts, ces_model('nm_capped'::text), r.renews) a,
             ces_score(e.event, e.ts, ces_model_at(ces_model('nm_capped'::text), r.renews)) b
      FROM nm_events e JOIN nm_renewals r USING (account) GROUP BY r.account) x;
SELECT expect_error($$SELECT segment, ces_score(e.event, e.ts, ces_model('nm_capped'::text), r.renews)
                      FROM nm_events e JOIN nm_renewals r USING (account) GROUP BY segment$$);

-- NULL as_of: like ces_model_at(model, NULL), scored at now(); a model without time rules
-- then counts every event.
SELECT ces_score(event, ts, '{"login":1}'::ces_model, NULL::timestamptz) AS null_as_of,
       ces_score(event, ts, '{"login":1}'::ces_model) AS no_as_of,
       ces_score(event, ts, '{"login":1}'::ces_model, '2026-08-15 00:00+00') AS until_aug_15
FROM nm_events;

-- Rescans: a correlated subquery re-runs the aggregate with another as_of per account; the
-- call site's model follows (by row, and with caps).
SELECT bool_and(abs(a - b) < 1e-9) AS rescans_follow, bool_and(abs(c - d) < 1e-9) AS capped_rescans_follow
FROM (SELECT r.account,
             (SELECT ces_score(e.event, e.ts, ces_model_at(ces_model('nm'::text), r.renews)) FROM nm_events e WHERE e.account = r.account) a,
             (SELECT ces_score(e.event, e.ts, nm_const(r.renews)) FROM nm_events e WHERE e.account = r.account) b,
             (SELECT ces_score(e.event, e.ts, ces_model('nm_capped'::text), r.renews) FROM nm_events e WHERE e.account = r.account) c,
             (SELECT ces_score(e.event, e.ts, ces_model_at(ces_model('nm_capped'::text), r.renews)) FROM nm_events e WHERE e.account = r.account) d
      FROM nm_renewals r) x;

-- The window form with a named model equals the constant model.
SELECT bool_and(abs(a - b) < 1e-9) AS window_same
FROM (SELECT ces_score(event, ts, ces_model_at(ces_model('nm'::text), '2026-09-30 00:00+00')) OVER w a,
             ces_score(event, ts, nm_const('2026-09-30 00:00+00')) OVER w b
      FROM nm_events WHERE account < 5
      WINDOW w AS (PARTITION BY account ORDER BY ts ROWS BETWEEN 50 PRECEDING AND CURRENT ROW)) x;

-- Forced parallel plans equal serial ones (named, as_of argument, per-row ces_model_at).
CREATE TABLE nm_serial AS
SELECT r.account,
       ces_score(e.event, e.ts, ces_model_at(ces_model('nm'::text), '2026-09-30 00:00+00')) a,
       ces_score(e.event, e.ts, ces_model('nm'::text), r.renews) b,
       ces_score(e.event, e.ts, ces_model_at(ces_model('nm_capped'::text), r.renews)) c
FROM nm_events e JOIN nm_renewals r USING (account) GROUP BY r.account;
SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2; SET enable_hashagg = off;
ALTER TABLE nm_events SET (parallel_workers = 2);
SELECT plan_has($$SELECT account, ces_score(event, ts, ces_model('nm'::text), ts) FROM nm_events GROUP BY account$$, 'Partial') AS partial;
SELECT count(*) AS accounts, bool_and(abs(p.a - s.a) < 1e-9 AND abs(p.b - s.b) < 1e-9 AND abs(p.c - s.c) < 1e-9) AS parallel_same
FROM (SELECT r.account,
             ces_score(e.event, e.ts, ces_model_at(ces_model('nm'::text), '2026-09-30 00:00+00')) a,
             ces_score(e.event, e.ts, ces_model('nm'::text), r.renews) b,
             ces_score(e.event, e.ts, ces_model_at(ces_model('nm_capped'::text), r.renews)) c
      FROM nm_events e JOIN nm_renewals r USING (account) GROUP BY r.account) p
JOIN nm_serial s USING (account);
RESET parallel_setup_cost; RESET parallel_tuple_cost; RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather; RESET enable_hashagg;
ALTER TABLE nm_events RESET (parallel_workers);

-- A version published by an earlier statement is seen by the next one, in a transaction
-- and in a plpgsql loop (whose expressions keep their call sites across statements).
SAVEPOINT before_v2;
SELECT round(ces_score(event, ts, ces_model_at(ces_model('nm'::text), '2026-09-30 00:00+00'))::numeric, 4) AS v_latest FROM nm_events;
SELECT ces_define_model('nm', '{"login":2}');
SELECT ces_score(event, ts, ces_model_at(ces_model('nm'::text), '2026-09-30 00:00+00')) = 2 * count(*) FILTER (WHERE event = 'login' AND ts <= '2026-09-30 00:00+00') AS sees_new_version
FROM nm_events;
ROLLBACK TO SAVEPOINT before_v2;
-- A prepared statement's generic plan runs the lookup at every execution.
PREPARE nm_p(text) AS SELECT ces_score(event, ts, ces_model_at(ces_model($1), '2026-09-30 00:00+00')) FROM nm_events;
SET plan_cache_mode = force_generic_plan;
EXECUTE nm_p('nm');
SAVEPOINT before_v2;
SELECT ces_define_model('nm', '{"login":3}');
EXECUTE nm_p('nm');
ROLLBACK TO SAVEPOINT before_v2;
EXECUTE nm_p('nm');
RESET plan_cache_mode;
DEALLOCATE nm_p;
DO $$
DECLARE
    m ces_model;
BEGIN
    FOR i IN 1..3 LOOP
        PERFORM ces_define_model('nm_loop', ('{"login":' || i || '}')::ces_model);
        m := ces_model('nm_loop'::text);
        RAISE NOTICE 'version %: %', ces_latest_version('nm_loop'), m;
    END LOOP;
END $$;

-- ces_model_at: what the SQL definition of 0.1.0 returned, and its edge cases.
SELECT bool_and(ces_model_at(m, t)::text = (jsonb_set(m::text::jsonb, '{as_of}', to_jsonb(t))::text::ces_model)::text) AS set_same,
       bool_and(ces_model_at(m, NULL)::text = ((m::text::jsonb - 'as_of')::text::ces_model)::text) AS clear_same
FROM (VALUES ('{"login":1}'::ces_model), ('{"weights":{"as_of":2,"login":1},"lookback":"3 days"}'),
             ('{"weights":{"login":{"weight":1,"cap":3}},"half_life":"1 day","as_of":"2026-01-01 00:00+00"}')) m(m),
     (VALUES (timestamptz '2026-09-30 12:34:56.789+02'), ('0044-03-15 00:00+00'), ('2026-01-01 00:00+00')) t(t);
SELECT ces_model_at(NULL, now()) IS NULL AS null_model;
-- The bare literal is a cast: a constant, so the plan has no call at all.
SELECT plan_has($$SELECT ces_score(event, ts, ces_model('nm')) FROM nm_events$$, 'ces_model(') AS literal_calls;
SELECT expect_error($$SELECT ces_model_at('{"login":1}', 'infinity')$$);
-- A model built per row from now() is built once.
SELECT count(DISTINCT ces_model('{"login":1}'::jsonb, as_of => now())::text) AS models FROM nm_events;

-- Unknown names and versions: 42704 with what exists.
SELECT expect_error($$SELECT ces_score(event, ts, ces_model('nope'::text)) FROM nm_events$$);
SELECT expect_error($$SELECT ces_model('nm', 99)$$);
SELECT expect_error($$SELECT ces_model(NULL::text)$$);

ROLLBACK;
