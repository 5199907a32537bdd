//! End to end: the real binary in a pseudo-terminal, read back through a terminal emulator.
//! One test binary per group: each binary links the whole dependency tree, so fewer of them
//! build and link faster.

#[path = "../common/mod.rs"]
mod common;

mod dashboard_pty;
mod input_router_pty;
mod instance_pty;
mod kiosk_pty;
mod line_store_pty;
mod log_pty;
mod print_pty;
mod production_pty;
mod scan_pty;
mod signature_pty;
mod terminal_input_pty;
