use super::*;
use proptest::prelude::*;

fn texts(sql: &str) -> Vec<&str> {
    statements(sql)
        .unwrap()
        .0
        .into_iter()
        .map(|s| s.text)
        .collect()
}

#[test]
fn semicolons_inside_quotes_comments_and_bodies_do_not_split() {
    let sql = "SELECT ';' AS \"a;b\"; -- c;\n/* d; /* nested; */ e; */ SELECT E'\\';x';\n\
               CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $f$ BEGIN RETURN 1; END $f$;\n\
               CREATE FUNCTION g(x int) RETURNS int BEGIN ATOMIC SELECT CASE WHEN x > 0 THEN 1 ELSE 2 END; SELECT 3; END;\n\
               SELECT $1, 'it''s';\n";
    assert_eq!(
        texts(sql),
        [
            "SELECT ';' AS \"a;b\"; -- c;\n",
            "SELECT E'\\';x';\n",
            "CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $f$ BEGIN RETURN 1; END $f$;\n",
            "CREATE FUNCTION g(x int) RETURNS int BEGIN ATOMIC SELECT CASE WHEN x > 0 THEN 1 ELSE 2 END; SELECT 3; END;\n",
            "SELECT $1, 'it''s';\n",
        ]
    );
}

#[test]
fn begin_outside_a_routine_is_a_transaction() {
    assert_eq!(
        texts("BEGIN; SELECT CASE WHEN true THEN 1 END; END;\n"),
        ["BEGIN;", "SELECT CASE WHEN true THEN 1 END;", "END;\n"]
    );
}

#[test]
fn unterminated_input_is_an_error_with_its_line() {
    for (sql, line) in [
        ("SELECT 1;\nSELECT 'x;\n", 2),
        ("SELECT $$ x;\n", 1),
        ("/* x;\n", 1),
        ("SELECT 1\n", 1),
        ("SELECT E'\\';\n", 1),
        (
            "CREATE FUNCTION f() RETURNS int BEGIN ATOMIC SELECT 1;\n",
            1,
        ),
    ] {
        assert_eq!(statements(sql).unwrap_err().line, line, "{sql:?}");
    }
}

#[test]
fn routines_views_and_aggregates_become_create_or_replace() {
    let src = "-- the type\nCREATE TYPE t;\n-- f\nCREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1';\n\
               COMMENT ON FUNCTION f() IS 'x';\nREVOKE ALL ON FUNCTION f() FROM PUBLIC;\n\
               CREATE AGGREGATE a(int) (sfunc = int4pl, stype = int);\ncreate view v as select 1;\n\
               SELECT pg_catalog.pg_extension_config_dump('t', '');\nCREATE TABLE t2 (x int);\n";
    assert_eq!(
        rerunnable(src).unwrap(),
        "-- f\nCREATE OR REPLACE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1';\n\
         COMMENT ON FUNCTION f() IS 'x';\nREVOKE ALL ON FUNCTION f() FROM PUBLIC;\n\
         CREATE OR REPLACE AGGREGATE a(int) (sfunc = int4pl, stype = int);\ncreate OR REPLACE view v as select 1;\n"
    );
}

#[test]
fn an_unknown_statement_kind_is_refused_by_name() {
    let err = rerunnable("ALTER TABLE t ADD COLUMN x int;\n").unwrap_err();
    assert!(err.contains("ALTER TABLE t ADD COLUMN x int;"), "{err}");
}

#[test]
fn comments_and_case_do_not_change_what_a_statement_is() {
    let src = "CREATE /* TABLE */ VIEW v AS SELECT 1;\ncreate -- note\nfunction f() RETURNS int LANGUAGE sql AS 'SELECT 1';\n\
               CREATE /* or replace */ AGGREGATE a(int) (sfunc = int4pl, stype = int);\n";
    assert_eq!(
        rerunnable(src).unwrap(),
        "CREATE OR REPLACE /* TABLE */ VIEW v AS SELECT 1;\ncreate OR REPLACE -- note\nfunction f() RETURNS int LANGUAGE sql AS 'SELECT 1';\n\
         CREATE OR REPLACE /* or replace */ AGGREGATE a(int) (sfunc = int4pl, stype = int);\n"
    );
}

#[test]
fn words_in_parentheses_and_non_ascii_identifiers() {
    // `begin` as an argument name opens no block; `café` and `$é$` are an identifier and a tag.
    assert_eq!(
        texts("CREATE FUNCTION f(begin int) RETURNS int LANGUAGE sql AS 'SELECT 1';\nSELECT 1 AS café;\nSELECT $é$;$é$;\n"),
        [
            "CREATE FUNCTION f(begin int) RETURNS int LANGUAGE sql AS 'SELECT 1';\n",
            "SELECT 1 AS café;\n",
            "SELECT $é$;$é$;\n"
        ]
    );
    assert_eq!(texts("\u{feff}SELECT\u{a0}1;\n").len(), 1);
    assert_eq!(
        texts("SELECT (1; 2);\nSELECT 3;\n"),
        ["SELECT (1; 2);\n", "SELECT 3;\n"]
    );
}

fn scratch(name: &str, files: &[(&str, &str)]) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("ces-upgrade-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("upgrades")).unwrap();
    for (f, text) in files {
        std::fs::write(dir.join(f), text).unwrap();
    }
    dir
}

#[test]
fn the_template_names_every_install_source_once() {
    let f = "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1';\nCREATE TYPE t;\n";
    let g = "CREATE FUNCTION g() RETURNS int LANGUAGE sql AS 'SELECT 2';\n";
    let dir = scratch(
        "sources",
        &[
            ("a.sql", f),
            ("b.sql", g),
            ("ces--0.1.0--0.2.0.sql", "-- generated\n"),
            (
                "upgrades/t.sql",
                "-- head\n--@ces-sources a\nCREATE TYPE u;\n--@ces-sources b\nDROP FUNCTION h();\n",
            ),
        ],
    );
    let t = dir.join("upgrades/t.sql");
    let out = generate(&t, &dir).unwrap();
    assert!(
        out.script.ends_with(
            "-- head\nCREATE OR REPLACE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1';\nCREATE TYPE u;\n\
             CREATE OR REPLACE FUNCTION g() RETURNS int LANGUAGE sql AS 'SELECT 2';\nDROP FUNCTION h();\n"
        ),
        "{}",
        out.script
    );
    assert_eq!(
        out.inputs,
        [t.clone(), dir.join("a.sql"), dir.join("b.sql")]
    );
    // b.sql left out: refused by name; a.sql twice: refused.
    std::fs::write(&t, "--@ces-sources a\n").unwrap();
    let err = generate(&t, &dir).unwrap_err();
    assert!(err.contains("names b;"), "{err}");
    std::fs::write(&t, "--@ces-sources a b a\n").unwrap();
    assert!(generate(&t, &dir).unwrap_err().contains("a is named twice"));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Pieces that each end a statement or hide a `;`; any sequence of them splits into
/// exactly the statements it was made of, and the pieces put back give the input.
fn piece() -> impl Strategy<Value = (String, bool)> {
    prop_oneof![
        Just(("SELECT 1;\n".to_string(), true)),
        Just(("-- a ; comment\n".to_string(), false)),
        Just(("/* ; /* ; */ ; */\n".to_string(), false)),
        "[a-z ;]{0,8}".prop_map(|s| (format!("SELECT '{}';\n", s.replace('\'', "''")), true)),
        // a body holds anything but its closing tag
        "[a-z ;'$]{0,8}".prop_filter("closing tag", |s| !s.contains("$q") && !s.ends_with('$'))
            .prop_map(|s| (format!("SELECT $q${s}$q$;\n"), true)),
        Just(("CREATE FUNCTION f() RETURNS int BEGIN ATOMIC SELECT CASE WHEN true THEN 1 END; END;\n".to_string(), true)),
        Just(("CREATE OR REPLACE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1; END $$;\n".to_string(), true)),
        Just(("\n".to_string(), false)),
    ]
}

proptest! {
    #[test]
    fn splitting_round_trips(pieces in proptest::collection::vec(piece(), 0..20)) {
        let sql: String = pieces.iter().map(|(p, _)| p.as_str()).collect();
        let (stmts, rest) = statements(&sql).unwrap();
        prop_assert_eq!(stmts.len(), pieces.iter().filter(|(_, s)| *s).count());
        let back: String = stmts.iter().flat_map(|s| [s.lead, s.text]).chain([rest]).collect();
        prop_assert_eq!(back, sql);
    }

    #[test]
    fn any_input_splits_or_errs_without_panicking(sql in "[a-zA-Z ;$'\"/*()\\-\n\\\\é€😀\u{a0}\u{feff}]{0,64}") {
        let _ = statements(&sql);
    }
}
