-- Deterministic sample data for the demo: ~2,000 SaaS accounts with plan, region and
-- owner, and 90 days of product events (9 types, three of them negative) up to 2026-10-01.
-- Every instant is UTC-based and steps are fixed lengths ('24 hours', not '1 day', which
-- follows the session's daylight-saving changes), so the data is the same in every time zone.
SELECT setseed(0.2026);

CREATE TABLE accounts AS
SELECT id AS account_id,
       format('acct-%s', lpad(id::text, 4, '0')) AS name,
       (ARRAY['free', 'starter', 'pro', 'enterprise'])[1 + floor(random() * 4)::int] AS plan,
       (ARRAY['NA', 'EMEA', 'APAC', 'LATAM'])[1 + floor(random() * 4)::int] AS region,
       (ARRAY['ana', 'ben', 'chen', 'dara', 'eli', 'fatima', 'gus', 'hana'])[1 + floor(random() * 8)::int] AS owner,
       power(random(), 2) AS activity,          -- most accounts are quiet, a few are busy
       2 * random() - 1 AS trend                -- < 0: fading away, > 0: ramping up
FROM generate_series(1, 2000) id;
ALTER TABLE accounts ADD PRIMARY KEY (account_id);

CREATE TABLE events AS
WITH days AS (
    SELECT a.account_id,
           d AS day,
           -- expected events per day: plan size x activity x trend over the 90 days
           (1 + array_position(ARRAY['free', 'starter', 'pro', 'enterprise'], a.plan))
             * a.activity * greatest(0, 1 + a.trend * (d - 45) / 45.0) AS rate,
           -- fading accounts file more tickets, remove seats and downgrade
           0.03 + 0.15 * greatest(0, -a.trend) AS p_negative
    FROM accounts a, generate_series(0, 89) d
)
SELECT account_id,
       CASE WHEN r2 < p_negative THEN
                CASE WHEN r < 0.70 THEN 'support_ticket' WHEN r < 0.90 THEN 'seat_removed' ELSE 'downgraded' END
            WHEN r < 0.60 THEN 'login'
            WHEN r < 0.76 THEN 'report_viewed'
            WHEN r < 0.87 THEN 'project_added'
            WHEN r < 0.94 THEN 'team_member_added'
            WHEN r < 0.98 THEN 'integration_connected'
            ELSE 'upgraded' END AS event,
       timestamptz '2026-07-03 00:00+00' + day * interval '24 hours' + random() * interval '24 hours' AS ts
FROM (SELECT account_id, day, p_negative, random() AS r, random() AS r2,
             generate_series(1, floor(rate * 2 * random() + 0.5)::int) AS n
      FROM days) e;
CREATE INDEX ON events (account_id, ts);
ANALYZE accounts, events;

-- The outcome to backtest against: whether the account renewed at the end of the period.
-- It depends on the account's latent activity and trend (not on any score), with noise.
ALTER TABLE accounts ADD COLUMN renewed boolean;
UPDATE accounts SET renewed = random() < 0.25 + 0.45 * least(activity * 3, 1) + 0.2 * trend;
ANALYZE accounts;
