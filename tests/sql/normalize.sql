-- ces_normalize(score, lo, hi, target_lo DEFAULT 0, target_hi DEFAULT 100)
SELECT ces_normalize(145, 0, 200) AS mid, ces_normalize(-10, 0, 200) AS clamped_low,
       ces_normalize(900, 0, 200) AS clamped_high, ces_normalize(5, 0, 10, 1, 5) AS custom_target,
       ces_normalize('Infinity', 0, 10) AS inf;
SELECT ces_normalize(NULL, 0, 1), ces_normalize(1, NULL, 1), ces_normalize(1, 0, NULL);
SELECT ces_normalize(5, 0, 10, target_hi => 1) AS named_argument;

-- Normalise within a segment with window functions.
SELECT plan, account, score,
       round(ces_normalize(score, min(score) OVER w, max(score) OVER w)::numeric, 1) AS minmax_0_100,
       round((100 * percent_rank() OVER (PARTITION BY plan ORDER BY score))::numeric, 1) AS percentile
FROM (VALUES ('pro', 1, 145.0::float8), ('pro', 2, 40), ('pro', 3, 90), ('free', 4, 10), ('free', 5, 30))
     v(plan, account, score)
WINDOW w AS (PARTITION BY plan)
ORDER BY plan, score;

-- A flat segment (lo = hi: one account, or all tied) maps to the middle of the target range.
SELECT ces_normalize(10, 10, 10) AS flat, ces_normalize(3, 10, 10, 0, 1) AS flat_0_1,
       ces_normalize(0, 0, 0, -1.7976931348623157e308, 1.7976931348623157e308) AS flat_full_range;
SELECT expect_error($$SELECT ces_normalize('NaN', 10, 10)$$);
SELECT plan, account, score,
       round(ces_normalize(score, min(score) OVER w, max(score) OVER w)::numeric, 1) AS minmax_0_100,
       round((100 * percent_rank() OVER w_ordered)::numeric, 1) AS percentile
FROM (VALUES ('solo', 1, 12.0::float8), ('tied', 2, 30), ('tied', 3, 30), ('pro', 4, 10), ('pro', 5, 50))
     v(plan, account, score)
WINDOW w AS (PARTITION BY plan), w_ordered AS (PARTITION BY plan ORDER BY score)
ORDER BY plan, account;

SELECT expect_error($$SELECT ces_normalize(1, 10, 0)$$);
SELECT expect_error($$SELECT ces_normalize(1, 'NaN', 10)$$);
SELECT expect_error($$SELECT ces_normalize(1, 0, 'Infinity')$$);
SELECT expect_error($$SELECT ces_normalize(1, 0, 10, 100, 0)$$);
SELECT expect_error($$SELECT ces_normalize(1, 0, 10, 0, '-Infinity')$$);
SELECT expect_error($$SELECT ces_normalize('NaN', 0, 10)$$);

-- Ranges wider than the largest double: nothing overflows, the answer is finite and in range.
SELECT ces_normalize(0, -1e308, 1e308) AS mid, ces_normalize(1e308, -1e308, 1e308) AS top,
       ces_normalize(5e307, -1e308, 1e308) AS three_quarters,
       ces_normalize(1, 0, 2, -1.7976931348623157e308, 1.7976931348623157e308) AS wide_target;
