//! The scan pipeline: GS1 decoding (dictionary-driven). Wedge framing, the journal and
//! commissioning build on it.

pub mod check;
pub mod gs1;
pub mod journal;
pub mod scanner_check;
pub mod wedge;
