//! One module per tab: its state, its key handling, and its (pure) rendering.

pub mod labels;
pub mod packaging;
pub mod production;
pub mod scan;
pub mod signin;
