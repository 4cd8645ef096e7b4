//! The composition root (`src/backend.rs`) is the one place that starts the emulator for a console or a
//! command: the console (`src/tui`) and the CLI (`src/cli`) never import `src/emulator`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("a source directory") {
        let path = entry.expect("an entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn the_console_and_the_cli_never_import_the_emulator() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    for dir in ["tui", "cli"] {
        rust_files(&root.join(dir), &mut files);
    }
    assert!(files.len() > 10, "the console's and the CLI's sources: {files:?}");
    let mut found = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).expect("a readable source file");
        for (i, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            if code.contains("crate::emulator") || code.contains("georep::emulator") || code.contains("super::emulator")
            {
                found.push(format!("{}:{}: {}", file.display(), i + 1, line.trim()));
            }
        }
    }
    assert!(found.is_empty(), "the emulator is started in src/backend.rs only:\n{}", found.join("\n"));
}
