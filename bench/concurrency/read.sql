-- What BI tools do meanwhile: a score view, the latest snapshot, the drops.
SELECT count(*), sum(score) FROM health_scores;
SELECT count(*) FROM ces_score_history WHERE model = 'health';
SELECT count(*) FROM ces_drops('health', '2026-11-23 00:00+00', lookback => '3 days', min_drop_pct => 0);
