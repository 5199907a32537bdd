//! Update and rendering tests: the dashboard driven through its message API, without a terminal or a network.
//! One test binary per group: each binary links the whole dependency tree, so fewer of them
//! build and link faster.

#[path = "../common/mod.rs"]
mod common;

mod access_update;
mod ascii_snapshots;
mod dashboard_snapshots;
mod dashboard_update;
mod line_update;
mod messages_fit;
mod overfill_update;
mod print_update;
mod production_update;
mod scan_update;
mod signature_update;
mod terminal_bytes;
