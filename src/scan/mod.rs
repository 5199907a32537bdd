//! The scan pipeline: GS1 decoding (dictionary-driven), wedge framing, checks against the
//! active order, and the journal (with the audit trail's table) the scans are kept in.

pub mod audit_store;
pub mod check;
pub mod gs1;
pub mod journal;
pub mod journal_writer;
pub mod scanner_check;
pub mod wedge;
