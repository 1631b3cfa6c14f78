-- Forced-parallel ces_score: the plan shows Partial aggregation and results equal serial.
CREATE TABLE par_events AS
SELECT (i % 5000) AS account,
       (ARRAY['login','project_added','team_member_added','upgraded','support_ticket'])[1 + (i * 7919 % 5)] AS event,
       '2026-01-01'::timestamptz + (i % 7776000) * interval '1 second' AS ts
FROM generate_series(1, 200000) i;
ANALYZE par_events;


CREATE TABLE serial_result AS
SELECT account, ces_score(event, ts, '{"login":1,"project_added":5,"team_member_added":10,"upgraded":50,"support_ticket":-3}'::jsonb) AS score
FROM par_events GROUP BY account;
SELECT ces_score(event, ts, '{"login":1,"upgraded":50,"support_ticket":-3}'::jsonb) AS serial_total FROM par_events;

SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;

-- Plain total.
SELECT plan_has($q$SELECT ces_score(event, ts, '{"login":1}'::jsonb) FROM par_events$q$, 'Partial Aggregate') AS partial_total;
SELECT ces_score(event, ts, '{"login":1,"upgraded":50,"support_ticket":-3}'::jsonb) AS parallel_total FROM par_events;

-- Grouped by account (partial hash aggregation in each worker, combined in the leader).
SELECT plan_has($q$SELECT account, ces_score(event, ts, '{"login":1}'::jsonb) FROM par_events GROUP BY account$q$,
                'Partial HashAggregate') AS partial_grouped;
SELECT count(*) AS accounts, count(*) FILTER (WHERE p.score = s.score) AS equal_to_serial
FROM (SELECT account, ces_score(event, ts, '{"login":1,"project_added":5,"team_member_added":10,"upgraded":50,"support_ticket":-3}'::jsonb) AS score
      FROM par_events GROUP BY account) p
JOIN serial_result s USING (account);

-- The jsonb weights from a column (not a constant) work in workers too.
SELECT plan_has($q$SELECT ces_score(event, ts, ('{"' || event || '":2}')::jsonb) FROM par_events$q$, 'Partial Aggregate') AS partial_column;
SELECT ces_score(event, ts, ('{"' || event || '":2}')::jsonb) = 2 * count(*) AS column_weights_ok FROM par_events;

-- Empty input under parallel plans: NULL.
SELECT ces_score(event, ts, '{"login":1}'::jsonb) FROM par_events WHERE account < 0;
RESET ALL;
DROP TABLE par_events, serial_result;

-- Fractional weights and decay: the sums are float additions, and a parallel plan adds in
-- another order (each worker's partial sum, then the combine), so results may differ from
-- serial in the last digits. The README states the bound (a relative 1e-12 for groups of
-- this size; measured 2e-14 on 800 rows per group); whole-number weights without decay are
-- exact (above).
CREATE TABLE frac_events AS
SELECT (i % 500) AS account,
       (ARRAY['login','project_added','team_member_added','upgraded','support_ticket'])[1 + (i * 7919::bigint % 5)::int] AS event,
       '2026-01-01 00:00+00'::timestamptz + (i % 7776000) * interval '1 second' AS ts
FROM generate_series(1, 400000) i;
ANALYZE frac_events;
CREATE TEMP VIEW frac_scores AS
SELECT account,
       ces_score(event, ts, '{"login":0.1,"project_added":5.3,"team_member_added":10.7,"upgraded":49.9,"support_ticket":-3.3}'::jsonb) AS by_weights,
       ces_score(event, ts, ces_model('{"login":0.1,"project_added":5.3,"team_member_added":10.7,"upgraded":49.9,"support_ticket":-3.3}',
                                      half_life => '7 days', as_of => '2026-04-01 00:00+00')) AS decayed,
       ces_score(ces_agg(event, ts, ces_model('{"login":0.1,"project_added":5.3,"team_member_added":10.7,"upgraded":49.9,"support_ticket":-3.3}',
                                              half_life => '7 days', as_of => '2026-04-01 00:00+00'))) AS via_summary
FROM frac_events GROUP BY account;
CREATE TEMP TABLE frac_serial AS SELECT * FROM frac_scores;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SELECT plan_has('SELECT * FROM frac_scores', 'Partial HashAggregate') AS partial_fractional;
CREATE TEMP TABLE frac_parallel AS SELECT * FROM frac_scores;
RESET ALL;
SELECT count(*) AS accounts,
       count(*) FILTER (WHERE abs(p.by_weights - s.by_weights) <= 1e-12 * greatest(abs(s.by_weights), 1)) AS weights_within_1e12,
       count(*) FILTER (WHERE abs(p.decayed - s.decayed) <= 1e-12 * greatest(abs(s.decayed), 1)) AS decayed_within_1e12,
       count(*) FILTER (WHERE abs(p.via_summary - s.via_summary) <= 1e-12 * greatest(abs(s.via_summary), 1)) AS summary_within_1e12
FROM frac_parallel p JOIN frac_serial s USING (account);
DROP VIEW frac_scores;
DROP TABLE frac_events;
