-- Installs the extension once for the whole suite, and a helper that shows an
-- error as "SQLSTATE: message" (plus its hint), so expected files state both.
CREATE EXTENSION ces;
SELECT extname, extversion FROM pg_extension WHERE extname = 'ces';
CREATE FUNCTION expect_error(query text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE state text; msg text; hint text;
BEGIN
  EXECUTE query;
  RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, hint = PG_EXCEPTION_HINT;
  RETURN state || ': ' || msg || CASE WHEN hint <> '' THEN E'\nHINT: ' || hint ELSE '' END;
END $$;
