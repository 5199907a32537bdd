//! shopfloor: a terminal dashboard for pharmaceutical packaging lines.
//!
//! Layers, bottom up:
//! - `domain`: the seeds' rules and wire types, no I/O; `config`: the validated settings;
//! - `api`: typed async clients of both backends; `scan`: decoding, the journal;
//! - `printing`: the station's own label printers (ZPL over raw TCP), the label states in the
//!   journal and the print run, beside the commissioning pipeline;
//! - `line_store`: what the stations of a line share, in PostgreSQL (beside `scan`);
//! - `board`: the line's read-only live board (its own screen, beside `tui`);
//! - `commands` + `cli`: the binary's edge; `logging` and `instance` (one dashboard per
//!   data directory) serve it.
//!
//! `sim` is the simulator of both backends; it depends on `domain` only, never on the client
//! code it is used to test.

pub mod api;
pub mod board;
pub mod cli;
pub mod commands;
pub mod config;
pub mod domain;
pub mod input;
pub mod instance;
pub mod label_log;
pub mod line_store;
pub mod logging;
pub mod printing;
pub mod scan;
pub mod sim;
pub mod station;
pub mod tui;
pub mod worker;
