//! Embeds the portal's static files: Sigillo's own (`static/`) and the parts of Bootstrap Italia it
//! uses, from `node_modules/` at the workspace root (installed by `npm ci`, never committed).
//! Without `node_modules` the portal still works, unstyled, and the build says so.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default());
    let root = manifest.join("../..");
    let dist = root.join("node_modules/bootstrap-italia/dist");
    println!("cargo:rerun-if-changed={}", manifest.join("static").display());
    println!("cargo:rerun-if-changed={}", dist.display());

    let mut files: Vec<(String, PathBuf)> = Vec::new();
    collect(&manifest.join("static"), "", &mut files);
    if dist.join("css/bootstrap-italia.min.css").is_file() {
        files.push(("bi/css/bootstrap-italia.min.css".into(), dist.join("css/bootstrap-italia.min.css")));
        files.push(("bi/svg/sprites.svg".into(), dist.join("svg/sprites.svg")));
        let fonts = dist.join("fonts/Titillium_Web");
        for weight in ["300", "regular", "600", "700", "italic"] {
            let name = format!("titillium-web-v10-latin-ext_latin-{weight}.woff2");
            if fonts.join(&name).is_file() {
                files.push((format!("bi/fonts/Titillium_Web/{name}"), fonts.join(&name)));
            }
        }
        files.push(("bi/fonts/Titillium_Web/OFL.txt".into(), fonts.join("OFL.txt")));
    } else {
        println!("cargo:warning=node_modules/bootstrap-italia is missing: run `npm ci` for the portal's look");
    }

    let mut out = String::from("/// Embedded static files: (path under /static/, content type, bytes).\npub static ASSETS: &[(&str, &str, &[u8])] = &[\n");
    for (path, file) in &files {
        let file = file.canonicalize().unwrap_or_else(|_| file.clone());
        let _ = writeln!(out, "    ({path:?}, {:?}, include_bytes!({:?})),", content_type(path), file.display().to_string());
    }
    out.push_str("];\n");
    let target = PathBuf::from(std::env::var("OUT_DIR").unwrap_or_default()).join("assets.rs");
    if let Err(e) = std::fs::write(&target, out) {
        println!("cargo:warning=cannot write {}: {e}", target.display());
    }
}

fn collect(dir: &Path, prefix: &str, files: &mut Vec<(String, PathBuf)>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let mut entries: Vec<_> = entries.flatten().collect();
    entries.sort_by_key(std::fs::DirEntry::file_name);
    for entry in entries {
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = entry.path();
        if path.is_dir() {
            collect(&path, &format!("{prefix}{name}/"), files);
        } else {
            files.push((format!("{prefix}{name}"), path));
        }
    }
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next().unwrap_or("") {
        "css" => "text/css; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "svg" => "image/svg+xml",
        "woff2" => "font/woff2",
        "png" => "image/png",
        "ico" => "image/x-icon",
        _ => "text/plain; charset=utf-8",
    }
}
