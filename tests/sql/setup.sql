-- Installs the extension once for the whole suite, and the helpers of tests/helpers.sql
-- (expect_error, plan_has).
CREATE EXTENSION ces;
SELECT extname, extversion FROM pg_extension WHERE extname = 'ces';
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/helpers.sql
