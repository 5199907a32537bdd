//! The clients and the commissioning pipeline against the simulator, over real loopback HTTP.
//! One test binary per group: each binary links the whole dependency tree, so fewer of them
//! build and link faster.

#[path = "../common/mod.rs"]
mod common;

mod commission_pipeline;
mod line_race;
mod line_store;
mod manufacturer_client;
mod network;
mod printing;
mod production_client;
mod seed_samples;
