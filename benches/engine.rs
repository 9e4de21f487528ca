//! Engine throughput benchmarks (placeholder replaced below).
fn main() {}
