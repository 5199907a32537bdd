//! Plain types and rules of the packaging floor, with no I/O.
//!
//! Everything here is shared by the API clients (which validate before sending) and the
//! simulator (which enforces the same rules as the real backends), so a rule lives in one place.

pub mod audit;
pub mod batch_report;
pub mod date;
pub mod gtin;
pub mod manufacturer;
pub mod production;
pub mod rules;
pub mod serial;
pub mod zebra;
pub mod zpl;

pub use rules::FieldError;
