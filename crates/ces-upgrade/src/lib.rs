//! Builds ces's upgrade script from a hand-written template and the install sources.
//!
//! The template (`sql/upgrades/A--B.sql`) holds what only an upgrade needs: setting grants
//! aside, dropping replaced signatures, moving privileges. Its lines
//! `--@ces-sources models registry ...` stand for every re-runnable statement of those
//! `sql/*.sql` files in that order: functions, aggregates and views as CREATE OR REPLACE,
//! and their comments, grants and revokes; together they name every install source once. So a changed function body lives in one place,
//! and the update re-creates it as a fresh install does. Statements that cannot run twice
//! (types, tables, operators, triggers) are left out: an upgrade that adds or changes one
//! writes it in the template, and `scripts/upgrade_diff.sh` catches one that was forgotten.

mod split;

pub use split::{statements, SplitError, Statement};

use std::path::{Path, PathBuf};

/// The directive lines of a template.
pub const DIRECTIVE: &str = "--@ces-sources";

/// An upgrade script, and the files it was made from (for cargo's rerun-if-changed).
#[derive(Debug)]
pub struct Generated {
    pub script: String,
    pub inputs: Vec<PathBuf>,
}

/// Expands the template at `template`, reading the named sources from `sql_dir`. Between
/// them, the template's `--@ces-sources` lines must name every install source in `sql_dir`
/// (its `*.sql` files but the `ces--*` scripts) exactly once: a new source file left out of
/// the update is a build error, not a function missing after `ALTER EXTENSION UPDATE`.
pub fn generate(template: &Path, sql_dir: &Path) -> Result<Generated, String> {
    let read = |p: &Path| std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()));
    let text = read(template)?;
    let mut inputs = vec![template.to_path_buf()];
    let mut script = format!(
        "-- GENERATED at build time (build.rs, crates/ces-upgrade) from {} and the sql/*.sql\n\
         -- files its {DIRECTIVE} lines name: edit those, not this file.\n",
        template.file_name().map_or(String::new(), |n| format!(
            "sql/upgrades/{}",
            n.to_string_lossy()
        ))
    );
    let mut named: Vec<String> = Vec::new();
    for line in text.split_inclusive('\n') {
        let Some(names) = line.trim_end().strip_prefix(DIRECTIVE) else {
            script.push_str(line);
            continue;
        };
        for name in names.split_whitespace() {
            if named.iter().any(|n| n == name) {
                return Err(format!("{}: {name} is named twice", template.display()));
            }
            named.push(name.to_string());
            let path = sql_dir.join(format!("{name}.sql"));
            let source = read(&path)?;
            script.push_str(&rerunnable(&source).map_err(|e| format!("{}: {e}", path.display()))?);
            inputs.push(path);
        }
    }
    let mut missing: Vec<String> = install_sources(sql_dir)?
        .into_iter()
        .filter(|s| !named.contains(s))
        .collect();
    missing.sort();
    if !missing.is_empty() {
        return Err(format!(
            "{}: no {DIRECTIVE} line names {}; every install source must be in the update",
            template.display(),
            missing.join(", ")
        ));
    }
    Ok(Generated { script, inputs })
}

/// The install sources: `sql_dir/*.sql` but the extension's own scripts (`ces--*`).
fn install_sources(sql_dir: &Path) -> Result<Vec<String>, String> {
    let dir = std::fs::read_dir(sql_dir).map_err(|e| format!("{}: {e}", sql_dir.display()))?;
    let mut names = Vec::new();
    for entry in dir {
        let path = entry.map_err(|e| e.to_string())?.path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        if let Some(stem) = name.strip_suffix(".sql") {
            if path.is_file() && !stem.starts_with("ces--") {
                names.push(stem.to_string());
            }
        }
    }
    Ok(names)
}

/// What a statement does on a database that already has the previous version.
#[derive(Debug, PartialEq, Eq)]
enum Kind {
    /// Runs again as it is: COMMENT, GRANT, REVOKE, and CREATE OR REPLACE.
    Rerun,
    /// CREATE FUNCTION, PROCEDURE, AGGREGATE or VIEW: runs as CREATE OR REPLACE.
    Replace,
    /// Creates what exists already (a type, table, operator, trigger, index, cast) or
    /// marks a table for pg_dump: the template says what an upgrade does with it.
    Once,
}

fn kind(s: &Statement) -> Result<Kind, String> {
    let w: Vec<&str> = s.head.iter().map(String::as_str).collect();
    Ok(match w.as_slice() {
        ["COMMENT" | "GRANT" | "REVOKE", ..] => Kind::Rerun,
        ["CREATE", "OR", "REPLACE", "FUNCTION" | "PROCEDURE" | "AGGREGATE" | "VIEW", ..] => {
            Kind::Rerun
        }
        ["CREATE", "FUNCTION" | "PROCEDURE" | "AGGREGATE" | "VIEW", ..] => Kind::Replace,
        ["CREATE", "TYPE" | "TABLE" | "TRIGGER" | "INDEX" | "UNIQUE" | "CAST", ..] => Kind::Once,
        ["CREATE", "OPERATOR", "CLASS" | "FAMILY", ..] => Kind::Once,
        ["CREATE", "OPERATOR", ..] => Kind::Once,
        ["SELECT", "PG_CATALOG", "PG_EXTENSION_CONFIG_DUMP", ..] => Kind::Once,
        _ => {
            let first = s.text.lines().next().unwrap_or_default();
            return Err(format!(
                "no rule for `{first}`: neither re-runnable nor known as one-time (crates/ces-upgrade/src/lib.rs, kind)"
            ));
        }
    })
}

/// The re-runnable statements of one install source, each with the comments before it.
fn rerunnable(source: &str) -> Result<String, String> {
    let (stmts, _) = statements(source).map_err(|e| e.to_string())?;
    let mut out = String::new();
    for s in stmts {
        match kind(&s)? {
            Kind::Once => continue,
            Kind::Rerun => {
                out.push_str(s.lead);
                out.push_str(s.text);
            }
            Kind::Replace => {
                // The statement starts with its first word, CREATE: the rest follows it.
                if !s
                    .text
                    .get(.."CREATE".len())
                    .is_some_and(|w| w.eq_ignore_ascii_case("CREATE"))
                {
                    return Err(format!(
                        "`{}` does not start with CREATE",
                        s.text.lines().next().unwrap_or_default()
                    ));
                }
                out.push_str(s.lead);
                out.push_str(&s.text[.."CREATE".len()]);
                out.push_str(" OR REPLACE");
                out.push_str(&s.text["CREATE".len()..]);
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
