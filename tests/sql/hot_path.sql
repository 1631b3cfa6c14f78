-- The per-row fast path (constant weights or model already parsed, inline event names)
-- hands every other row to the guarded path: NULL events and timestamps, and event names
-- stored compressed or out of line, in the middle of a group. Each form must equal the
-- plain-SQL reference.
CREATE TEMP TABLE hot (account int, event text, ts timestamptz);
ALTER TABLE hot ALTER COLUMN event SET STORAGE external;
INSERT INTO hot
SELECT g % 3,
       CASE g % 7 WHEN 0 THEN NULL
                  WHEN 1 THEN repeat('x', 3000)          -- stored out of line
                  WHEN 2 THEN 'login'
                  WHEN 3 THEN 'upgraded'
                  WHEN 4 THEN repeat('y', 2500) || 'z'   -- out of line, weighted
                  ELSE 'report_viewed' END,
       CASE WHEN g % 11 = 0 THEN NULL ELSE timestamptz '2026-10-01 00:00+00' - g * interval '1 hour' END
FROM generate_series(1, 700) g;
-- The same rows with the long names compressed inline (default storage).
CREATE TEMP TABLE hot_c AS SELECT * FROM hot;
SELECT pg_relation_size(reltoastrelid) > 0 AS out_of_line FROM pg_class WHERE oid = 'hot'::regclass;
SELECT count(*) AS compressed FROM hot_c WHERE pg_column_size(event) < octet_length(event);
CREATE TEMP VIEW hot_all AS SELECT * FROM hot UNION ALL SELECT * FROM hot_c;
\set w '{"login": 1, "upgraded": 50}'
SELECT format('{"login": 1, "upgraded": 50, "%s": 7}', repeat('y', 2500) || 'z') AS wl \gset
WITH ref AS (
  SELECT account, sum(CASE WHEN event = 'login' THEN 1 WHEN event = 'upgraded' THEN 50
                           WHEN event = repeat('y', 2500) || 'z' THEN 7 ELSE 0 END)::float8 AS score
  FROM hot_all GROUP BY account
)
SELECT account, ref.score,
       ces_score(event, ts, :'wl'::jsonb) = ref.score AS jsonb_equal,
       ces_score(event, ts, ces_model(:'wl')) = ref.score AS model_equal,
       ces_score(ces_agg(event, ts, ces_model(:'wl'))) = ref.score AS summary_equal
FROM hot_all JOIN ref USING (account)
GROUP BY account, ref.score ORDER BY account;
-- A decaying model with a lookback: NULL timestamps are not counted, the others decay.
WITH ref AS (
  SELECT account,
         sum(CASE event WHEN 'login' THEN 1 WHEN 'upgraded' THEN 50 ELSE 0 END
             * power(0.5, extract(epoch FROM timestamptz '2026-10-01 00:00+00' - ts) / 86400))
           FILTER (WHERE ts > timestamptz '2026-10-01 00:00+00' - interval '20 days') AS score
  FROM hot_all GROUP BY account
)
SELECT account,
       abs(ces_score(event, ts, ces_model(:'w', half_life => '1 day', lookback => '20 days',
                                          as_of => '2026-10-01 00:00+00')) - ref.score) < 1e-9 AS decay_equal
FROM hot_all JOIN ref USING (account)
GROUP BY account, ref.score ORDER BY account;
