-- Helpers of the pg_regress tests, included by the tests that make a database
-- (`\getenv abs_srcdir PG_ABS_SRCDIR` then `\i :abs_srcdir/helpers.sql`): expect_error shows
-- an error as "SQLSTATE: message" (plus its hint), so expected files state both; plan_has
-- tells whether a query's plan (EXPLAIN VERBOSE) mentions a pattern.
CREATE FUNCTION expect_error(query text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE state text; msg text; hint text;
BEGIN
  EXECUTE query;
  RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, hint = PG_EXCEPTION_HINT;
  RETURN state || ': ' || msg || CASE WHEN hint <> '' THEN E'\nHINT: ' || hint ELSE '' END;
END $$;
CREATE FUNCTION plan_has(query text, pattern text) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE line text;
BEGIN
  FOR line IN EXECUTE 'EXPLAIN (COSTS OFF, VERBOSE) ' || query LOOP
    IF line LIKE '%' || pattern || '%' THEN RETURN true; END IF;
  END LOOP;
  RETURN false;
END $$;
