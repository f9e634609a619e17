//! The SQL under `sql/` is compiled into the library (`extension_sql_file!`
//! reads it while the crate is compiled, unseen by cargo): rebuild when it
//! changes.
fn main() {
    println!("cargo:rerun-if-changed=sql");
}
