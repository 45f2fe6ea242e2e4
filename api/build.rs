//! Rebuild the server when the web app in `dist/` changes, so the embedded copy is current.

fn main() {
    println!("cargo:rerun-if-changed=../dist");
    println!("cargo:rerun-if-changed=build.rs");
}
