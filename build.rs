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
            std::fs::write(&out, &generated.script)
                .unwrap_or_else(|e| panic!("{}: {e}", out.display()));
            // Dated like its newest input, which is older than this build: cargo would
            // otherwise see the output as changed and build once more.
            let newest = generated
                .inputs
                .iter()
                .filter_map(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok())
                .max();
            if let Some(t) = newest {
                let f = std::fs::File::options()
                    .write(true)
                    .open(&out)
                    .expect("generated script");
                f.set_modified(t)
                    .unwrap_or_else(|e| panic!("{}: {e}", out.display()));
            }
        }
    }
}
