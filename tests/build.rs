//! PostgreSQL cases are compiled as ignored (reported as skipped) when the run has no
//! PostgreSQL to test against.
fn main() {
    println!("cargo::rustc-check-cfg=cfg(pg_tests)");
    println!("cargo::rerun-if-env-changed=PORTCULLIS_TEST_PG_URL");
    if std::env::var("PORTCULLIS_TEST_PG_URL").is_ok_and(|v| !v.trim().is_empty()) {
        println!("cargo::rustc-cfg=pg_tests");
    }
}
