//! The command-line tools, the audit trail on a real file, the deployment snippets and the GS1 tables.
//! One test binary per group: each binary links the whole dependency tree, so fewer of them
//! build and link faster.

#[path = "../common/mod.rs"]
mod common;

mod audit;
mod batch_report;
mod cli;
mod config_audit;
mod config_check;
mod deployment_docs;
mod gs1_code_lists;
mod gs1_decode_cli;
mod gs1_edge_cases;
mod gs1_table;
mod gs1_vectors;
mod journal_maintenance;
mod journal_upgrade;
mod line_store_audit;
mod printing_cli;
mod signatures;
mod zebra_status;
