//! Typed async clients of the two backends: Movilitas.Cloud's Manufacturer V2 API and
//! Lagerkoll's Production orders API.
//!
//! Clients validate requests with the domain rules before sending, attach credentials, keep
//! to the rate budget, and turn every answer into a typed value or an [`ApiError`].

pub mod budget;
pub mod error;
mod http;
pub mod manufacturer;
pub mod production;

pub use error::ApiError;
pub use manufacturer::ManufacturerClient;
pub use production::ProductionClient;
