-- ces_auc and ces_lift against hand-computed values and a plain-SQL reference.
-- Hand-computed: positives 3, 5; negatives 1, 3, 4: 4 pairs won and 1 tie of 6 -> 0.75.
SELECT ces_auc(s, o) FROM (VALUES (3, true), (5, true), (1, false), (3, false), (4, false), (NULL, true), (9, NULL)) v(s, o);
SELECT ces_auc(s, o) AS one_class FROM (VALUES (1, true), (2, true)) v(s, o);
SELECT ces_auc(s, o) AS no_rows FROM (VALUES (1, true)) v(s, o) WHERE false;
SELECT ces_auc(s, o) AS all_tied FROM (VALUES (1, true), (1, false)) v(s, o);
SELECT expect_error($$SELECT ces_auc('NaN', true)$$);

-- Lift per band, default and custom bands.
SELECT jsonb_pretty(ces_lift(s, o)) FROM (VALUES (-5, false), (10, false), (20, true), (50, true), (120, true), (130, true)) v(s, o);
SELECT ces_lift(s, o, '[{"name":"low","upto":40},{"name":"high"}]') FROM (VALUES (10, false), (20, false), (50, true), (60, false)) v(s, o);
-- As rows, for BI tools: band order is band_rank.
SELECT * FROM ces_lift_rows((SELECT ces_lift(s, o) FROM (VALUES (-5, false), (10, false), (20, true), (50, true), (120, true), (130, true)) v(s, o)));
SELECT l.* FROM (SELECT ces_lift(s, o, '[{"name":"low","upto":40},{"name":"high"}]') AS r
                 FROM (VALUES (10, false), (20, false), (50, true), (60, false)) v(s, o)) x, ces_lift_rows(x.r) l;
SELECT count(*) AS no_rows FROM ces_lift_rows(NULL);
SELECT ces_lift(s, o) IS NULL AS no_rows FROM (VALUES (1, true)) v(s, o) WHERE false;
SELECT expect_error($$SELECT ces_lift(s, true, '[]') FROM (VALUES (1.0)) v(s)$$);

-- 100k random rows: AUC equals the quadratic definition computed by rank sums in SQL,
-- and lift equals GROUP BY band.
BEGIN;
SELECT setseed(0.11);
CREATE TEMP TABLE bt AS
SELECT round((random() * 200 - 20)::numeric, 1)::float8 AS score, NULL::boolean AS renewed FROM generate_series(1, 100000);
UPDATE bt SET renewed = random() < 0.2 + 0.6 * (score + 20) / 220;
WITH ranked AS (
  SELECT renewed, rank() OVER (ORDER BY score) AS lo, count(*) OVER (PARTITION BY score) AS ties FROM bt
), stats AS (
  SELECT sum(lo + (ties - 1) / 2.0) FILTER (WHERE renewed) AS rank_sum,
         count(*) FILTER (WHERE renewed) AS p, count(*) FILTER (WHERE NOT renewed) AS n FROM ranked
)
SELECT abs((SELECT ces_auc(score, renewed) FROM bt) - (rank_sum - p * (p + 1) / 2.0) / (p * n)) < 1e-12 AS auc_equals_rank_sum,
       round((SELECT ces_auc(score, renewed) FROM bt)::numeric, 4) AS auc
FROM stats;
SELECT count(*) = 5 AS bands, bool_and(l.n = r.n AND l.positives = r.positives) AS counts_equal
FROM jsonb_to_recordset((SELECT ces_lift(score, renewed) FROM bt)) AS l(band text, n bigint, positives bigint, rate float8, lift float8)
JOIN (SELECT ces_band(score) AS band, count(*) AS n, count(*) FILTER (WHERE renewed) AS positives FROM bt GROUP BY 1) r USING (band);
-- The rows add up to the totals: every account once, every positive once, and the
-- accounts-weighted lift is 1.
SELECT sum(l.accounts) = (SELECT count(*) FROM bt) AS accounts_sum,
       sum(l.positives) = (SELECT count(*) FILTER (WHERE renewed) FROM bt) AS positives_sum,
       abs(sum(l.accounts * coalesce(l.lift, 0)) / sum(l.accounts) - 1) < 1e-12 AS weighted_lift_is_1,
       array_agg(l.band ORDER BY l.band_rank) = (SELECT array_agg(b->>'name') FROM jsonb_array_elements(ces_default_bands()) b) AS band_order
FROM ces_lift_rows((SELECT ces_lift(score, renewed) FROM bt)) l;
-- 1M rows: still exact (a sort, not pairs).
CREATE TEMP TABLE big AS
SELECT s AS score, (random() < 0.3 + 0.4 * s / 1000.0) AS renewed
FROM (SELECT (random() * 1000)::int::float8 AS s FROM generate_series(1, 1000000)) x;
WITH ranked AS (
  SELECT renewed, rank() OVER (ORDER BY score) AS lo, count(*) OVER (PARTITION BY score) AS ties FROM big
), stats AS (
  SELECT sum(lo + (ties - 1) / 2.0) FILTER (WHERE renewed) AS rank_sum,
         count(*) FILTER (WHERE renewed) AS p, count(*) FILTER (WHERE NOT renewed) AS n FROM ranked
)
SELECT abs((SELECT ces_auc(score, renewed) FROM big) - (rank_sum - p * (p + 1) / 2.0) / (p * n)) < 1e-12 AS auc_1m_equals_rank_sum
FROM stats;
-- Per segment, as GROUP BY aggregates.
SELECT score > 50 AS high, round(ces_auc(score, renewed)::numeric, 3) AS auc FROM bt GROUP BY 1 ORDER BY 1;
ROLLBACK;
