//! Writes the upgrade scripts `sql/ces--A--B.sql` from their templates `sql/upgrades/A--B.sql`
//! and the install sources (crates/ces-upgrade), before `cargo pgrx install` copies them.
//! A script is rewritten only when its text changes, and dated like its newest input, so a
//! build does not trigger another.

use std::path::Path;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let sql = root.join("sql");
    println!("cargo:rerun-if-changed=sql/upgrades");
    let mut templates: Vec<_> = std::fs::read_dir(sql.join("upgrades"))
        .expect("sql/upgrades")
        .map(|e| e.expect("sql/upgrades entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "sql"))
        .collect();
    templates.sort();
    for template in templates {
        let generated = ces_upgrade::generate(&template, &sql).unwrap_or_else(|e| panic!("{e}"));
        for input in &generated.inputs {
            println!("cargo:rerun-if-changed={}", input.display());
        }
        let stem = template
            .file_stem()
            .and_then(|s| s.to_str())
            .expect("template name");
        let out = sql.join(format!("ces--{stem}.sql"));
        // A deleted script is written again; an unchanged one keeps its mtime.
        println!("cargo:rerun-if-changed={}", out.display());
        if std::fs::read_to_string(&out).ok().as_deref() != Some(generated.script.as_str()) {
            write(&out, &generated.script, &generated.inputs);
        }
    }
}

/// Writes `out` whole or not at all (a temporary file renamed over it: a build or install
/// running at the same time never reads half a script), dated like the newest input, which
/// is older than this build: cargo would otherwise see the output as changed and build
/// once more.
fn write(out: &Path, text: &str, inputs: &[std::path::PathBuf]) {
    let fail = |e: std::io::Error| -> ! { panic!("{}: {e}", out.display()) };
    let tmp = out.with_extension("sql.tmp");
    let f = std::fs::File::create(&tmp).unwrap_or_else(|e| fail(e));
    std::io::Write::write_all(&mut &f, text.as_bytes()).unwrap_or_else(|e| fail(e));
    let newest = inputs
        .iter()
        .filter_map(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok())
        .max();
    if let Some(t) = newest {
        f.set_modified(t).unwrap_or_else(|e| fail(e));
    }
    f.sync_all().unwrap_or_else(|e| fail(e));
    std::fs::rename(&tmp, out).unwrap_or_else(|e| fail(e));
}
