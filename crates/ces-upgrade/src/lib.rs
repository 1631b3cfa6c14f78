//! Builds ces's upgrade script from a hand-written template and the install sources.
//!
//! The template (`sql/upgrades/A--B.sql`) holds what only an upgrade needs: setting grants
//! aside, dropping replaced signatures, moving privileges. One line of it,
//! `--@ces-sources models registry ...`, stands for every re-runnable statement of those
//! `sql/*.sql` files in that order: functions, aggregates and views as CREATE OR REPLACE,
//! and their comments, grants and revokes. So a changed function body lives in one place,
//! and the update re-creates it as a fresh install does. Statements that cannot run twice
//! (types, tables, operators, triggers) are left out: an upgrade that adds or changes one
//! writes it in the template, and `scripts/upgrade_diff.sh` catches one that was forgotten.

mod split;

pub use split::{statements, SplitError, Statement};

use std::path::{Path, PathBuf};

/// The directive line of a template.
pub const DIRECTIVE: &str = "--@ces-sources";

/// An upgrade script, and the files it was made from (for cargo's rerun-if-changed).
#[derive(Debug)]
pub struct Generated {
    pub script: String,
    pub inputs: Vec<PathBuf>,
}

/// Expands the template at `template`, reading the named sources from `sql_dir`.
pub fn generate(template: &Path, sql_dir: &Path) -> Result<Generated, String> {
    let read = |p: &Path| std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()));
    let text = read(template)?;
    let mut inputs = vec![template.to_path_buf()];
    let mut script = format!(
        "-- GENERATED at build time (build.rs, crates/ces-upgrade) from {} and the sql/*.sql\n\
         -- files its {DIRECTIVE} line names: edit those, not this file.\n",
        template.file_name().map_or(String::new(), |n| format!(
            "sql/upgrades/{}",
            n.to_string_lossy()
        ))
    );
    let mut expanded = 0;
    for line in text.split_inclusive('\n') {
        let Some(names) = line.trim_end().strip_prefix(DIRECTIVE) else {
            script.push_str(line);
            continue;
        };
        expanded += 1;
        for name in names.split_whitespace() {
            let path = sql_dir.join(format!("{name}.sql"));
            let source = read(&path)?;
            script.push_str(&rerunnable(&source).map_err(|e| format!("{}: {e}", path.display()))?);
            inputs.push(path);
        }
    }
    if expanded != 1 {
        return Err(format!(
            "{}: needs exactly one {DIRECTIVE} line, has {expanded}",
            template.display()
        ));
    }
    Ok(Generated { script, inputs })
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

fn kind(text: &str) -> Result<Kind, String> {
    let words: Vec<String> = text
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
        .filter(|w| !w.is_empty())
        .take(4)
        .map(str::to_ascii_uppercase)
        .collect();
    let w: Vec<&str> = words.iter().map(String::as_str).collect();
    Ok(match w.as_slice() {
        ["COMMENT" | "GRANT" | "REVOKE", ..] => Kind::Rerun,
        ["CREATE", "OR", "REPLACE", "FUNCTION" | "PROCEDURE" | "AGGREGATE" | "VIEW"] => Kind::Rerun,
        ["CREATE", "FUNCTION" | "PROCEDURE" | "AGGREGATE" | "VIEW", ..] => Kind::Replace,
        ["CREATE", "TYPE" | "TABLE" | "OPERATOR" | "TRIGGER" | "INDEX" | "UNIQUE" | "CAST", ..] => {
            Kind::Once
        }
        ["SELECT", "PG_CATALOG.PG_EXTENSION_CONFIG_DUMP", ..] => Kind::Once,
        _ => {
            let first = text.lines().next().unwrap_or_default();
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
        match kind(s.text)? {
            Kind::Once => continue,
            Kind::Rerun => {
                out.push_str(s.lead);
                out.push_str(s.text);
            }
            Kind::Replace => {
                out.push_str(s.lead);
                let create = s.text.find(char::is_whitespace).unwrap_or(s.text.len());
                out.push_str(&s.text[..create]);
                out.push_str(" OR REPLACE");
                out.push_str(&s.text[create..]);
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
