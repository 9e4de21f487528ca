//! joinedup: an agent-based, discrete-event simulation of how children's services are
//! organised, for comparing integration models (siloed services, panels, teams, hubs) on
//! waits, handoffs, duplication, escalation, lost families, unmet need, staff time and cost.
//!
//! The pipeline is `scenario` (RON text to validated `model` types) → `experiment` (runs
//! `engine` replications in parallel) → `output` (files and tables). See `ARCHITECTURE.md`.

#![forbid(unsafe_code)]

pub mod calibration;
pub mod design;
pub mod engine;
pub mod error;
pub mod experiment;
pub mod explain;
pub mod math;
pub mod metrics;
pub mod model;
pub mod output;
pub mod overload;
pub mod provenance;
pub mod report;
pub mod rng;
pub mod scenario;
pub mod serve;
pub mod sweep;

pub use error::{Error, Result};
