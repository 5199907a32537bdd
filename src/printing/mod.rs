//! Printing at the station: the station's own Zebra printers, driven with ZPL over raw TCP.
//!
//! - `link`: one TCP connection; `~HS` / `~HQES` questions and jobs.
//! - `printer`: a printer's shared handle: its state for subscribers, polling while watched.
//! - `serials`: where serials come from (`SerialSource`; the local cryptographic generator).
//! - `store`: the label states in the journal (Allocated → Sent → Printed → Verified →
//!   Commissioned, or Voided), with their audit rows.
//! - `engine`: the print run: one label in flight, faults void what is unconfirmed, and the
//!   verifying scan closes the loop.
//!
//! It sits beside the commissioning pipeline: it uses `domain`, `config` and the journal's
//! tables, and the screen talks to it through `engine::RunHandle` and its events.

pub mod engine;
pub mod link;
pub mod printer;
pub mod serials;
pub mod store;
