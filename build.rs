//! Embeds every form definition under `forms/` into the binary, so the service runs anywhere and every version
//! ever released stays readable by the binary that reads it.
use std::{env, fs, path::PathBuf};

fn main() {
    let root =
        PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let mut files: Vec<PathBuf> = fs::read_dir(root.join("forms"))
        .expect("forms/ exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    let mut out = String::from("pub static EMBEDDED_FORMS: &[(&str, &str)] = &[\n");
    for path in &files {
        let name = path.file_name().expect("file name").to_string_lossy();
        out.push_str(&format!(
            "    ({name:?}, include_str!({:?})),\n",
            path.display().to_string()
        ));
    }
    out.push_str("];\n");
    fs::write(
        PathBuf::from(env::var("OUT_DIR").expect("OUT_DIR")).join("embedded_forms.rs"),
        out,
    )
    .expect("write");
    println!("cargo:rerun-if-changed=forms");
    for path in &files {
        println!("cargo:rerun-if-changed={}", path.display());
    }
}
