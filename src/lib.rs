//! shopfloor: a terminal dashboard for pharmaceutical packaging lines.
//!
//! Layers, bottom up: `domain` (rules, no I/O) → `api` (typed clients of both backends) →
//! the binary's commands. `sim` is a stand-alone simulator of both backends and depends on
//! `domain` only, never on the client it is used to test.

pub mod api;
pub mod config;
pub mod domain;
