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
