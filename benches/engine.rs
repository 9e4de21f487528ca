//! Engine throughput benchmarks.
//!
//! Run: `cargo bench --bench engine -- --warm-up-time 1 --measurement-time 3`
//! Measured figures and the machine they came from: `results/benchmarks.md`.
//!
//! Back-of-envelope cost, written before measuring:
//!
//! * `scenarios/validation/mmc.ron` is the cheapest possible referral: one need, no
//!   assessment, no escalation or natural-resolution clock, no recurrence, no handoffs. Each
//!   referral costs 2 events (its `Arrival`, its `ServiceDone`) plus, for the whole county, a
//!   `MonthEnd` every 30 days and a `RelationshipWeek` every 7 (the scenario turns staff
//!   turnover off), so about 2 events per referral at 8 referrals a day. The heap stays small (about 10-20 pending events),
//!   so a push and a pop cost a few tens of ns; handling an event (sampling an Exp(1) variate
//!   or two, seeding a per-episode xoshiro stream with SplitMix64, allocating the episode's
//!   `Vec<Need>`, recording a wait in an HDR histogram) costs perhaps 100-200 ns. Expect
//!   2 events x ~150 ns = ~300 ns a referral, i.e. a few million referrals per second on
//!   one core.
//! * The bare event queue is a binary heap: push and pop are O(log n). Filling it with 1M
//!   events and draining it touches a heap of up to 2^20 entries of 24 bytes (24 MB, beyond
//!   cache), so expect ~20 comparisons x a few ns ≈ 50-150 ns per event for the pop, less for
//!   the push. A "hold" pattern (pop one, schedule one, ~1,000 pending, like a running
//!   simulation) stays in cache and should be a few tens of ns per operation.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use joinedup::engine::{simulate, EventQueue};
use rand::RngExt;
use rand_distr::Exp1;
use std::hint::black_box;
use std::path::Path;

/// Simulated days in one benchmark replication of the M/M/c scenario (8 referrals a day).
const MMC_HORIZON_DAYS: f64 = 20_000.0;
/// Events pushed and popped by the event-queue benchmarks.
const QUEUE_EVENTS: u64 = 1_000_000;
/// Pending events in the "hold" benchmark (pop one, schedule one).
const HOLD_PENDING: u64 = 1_000;

fn mmc(c: &mut Criterion) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/validation/mmc.ron");
    let overrides = [format!("run.horizon_days={MMC_HORIZON_DAYS}"), "run.replications=1".to_string()];
    let loaded = joinedup::scenario::load(Some(&path), &overrides).expect("mmc.ron loads");
    let scenario = loaded.scenario;

    // One run outside the timer: how many referrals a replication simulates (the throughput
    // unit) and how many events each costs.
    let probe = simulate(&scenario, 0, 0).expect("mmc replication runs");
    let referrals = probe.diagnostics.episodes_created;
    eprintln!(
        "mmc: {referrals} referrals, {} events ({:.2} events per referral) in {MMC_HORIZON_DAYS} days",
        probe.diagnostics.events,
        probe.diagnostics.events as f64 / referrals as f64
    );

    let mut group = c.benchmark_group("mmc");
    group.sample_size(20);
    group.throughput(Throughput::Elements(referrals));
    group.bench_function("simulate_20000_days", |b| {
        b.iter(|| simulate(black_box(&scenario), 0, 0).expect("mmc replication runs"))
    });
    group.finish();
}

/// Exponential gaps, like a Poisson stream of events, from the project's own generator.
fn gaps(n: u64) -> Vec<f64> {
    let mut rng = joinedup::rng::stream(1, 0, joinedup::rng::Purpose::Arrivals, 0);
    (0..n).map(|_| rng.sample(Exp1)).collect()
}

fn event_queue(c: &mut Criterion) {
    let days = gaps(QUEUE_EVENTS);
    let mut group = c.benchmark_group("event_queue");
    group.sample_size(20);
    group.throughput(Throughput::Elements(QUEUE_EVENTS));

    // Schedule 1M events at random days, then pop them all in time order.
    group.bench_function("schedule_then_pop_1M", |b| {
        b.iter_batched(
            EventQueue::<u64>::new,
            |mut queue| {
                for (i, day) in days.iter().enumerate() {
                    queue.schedule(*day, i as u64);
                }
                let mut sum = 0u64;
                while let Some((_, event)) = queue.pop_until(f64::INFINITY) {
                    sum = sum.wrapping_add(event);
                }
                sum
            },
            BatchSize::LargeInput,
        )
    });

    // The shape of a running simulation: ~1,000 pending events; each step pops the earliest
    // and schedules one later event. 1M steps.
    group.bench_function("hold_1k_pending_1M_steps", |b| {
        b.iter_batched(
            || {
                let mut queue = EventQueue::<u64>::new();
                for i in 0..HOLD_PENDING {
                    queue.schedule(days[i as usize], i);
                }
                queue
            },
            |mut queue| {
                let mut sum = 0u64;
                for step in 0..QUEUE_EVENTS {
                    let (now, event) = queue.pop_until(f64::INFINITY).expect("hold keeps the queue full");
                    sum = sum.wrapping_add(event);
                    queue.schedule(now + days[step as usize], step);
                }
                sum
            },
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

criterion_group!(benches, mmc, event_queue);
criterion_main!(benches);
