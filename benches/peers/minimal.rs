//! The reference peer: a minimal hand-written M/M/c event loop in Rust, the floor the general
//! engine is measured against (`benches/peers/run.sh`). Same model as
//! `scenarios/validation/mmc.ron`: 8 referrals a day, 10 servers, mean service 1 day.
//!
//! A binary heap of (day, kind) events, exponential draws from xoshiro256++ (the engine's
//! generator), a FIFO queue of waiting arrival days and one wait histogram (hdrhistogram, in
//! minutes, as the engine records waits). Nothing else: no agents, no bookkeeping. Expected
//! cost per referral: two heap pushes and two pops on a heap of ~12 entries (~4 levels, say
//! 40 instructions each), two exponential draws (~15 each), one histogram record (~30),
//! loop overhead: ~300 instructions, ~60-80 ns at ~3-4 instructions per ns. That is
//! 12-16 million referrals a second on one core.
//!
//! ```text
//! cargo run --release --example peer_minimal -- [--days 20000] [--warmup 200]
//!     [--replications 8] [--seed 1] [--repeat 1]
//! ```
//!
//! Prints the same `key=value` line as `benches/timed_run.rs`.
//!
//! It draws with `rand_distr::Exp1`, as a hand-written loop would, which `clippy.toml` keeps
//! out of the simulation (its rare tail takes the C library's `log`; `joinedup::rng::exp1`).
#![allow(clippy::disallowed_types)]

use hdrhistogram::Histogram;
use rand::RngExt;
use rand::SeedableRng;
use rand_distr::Exp1;
use std::cmp::Ordering;
use std::collections::{BinaryHeap, VecDeque};
use std::time::Instant;

#[path = "../common/cpu.rs"]
mod cpu;

const LAMBDA: f64 = 8.0;
const MU: f64 = 1.0;
const SERVERS: u32 = 10;
const MINUTES_PER_DAY: f64 = 1440.0;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Arrival,
    Departure,
}

struct Event {
    day: f64,
    kind: Kind,
}

impl PartialEq for Event {
    fn eq(&self, other: &Self) -> bool {
        self.day == other.day
    }
}
impl Eq for Event {}
impl PartialOrd for Event {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Event {
    fn cmp(&self, other: &Self) -> Ordering {
        // Earliest first from a max-heap.
        other.day.total_cmp(&self.day)
    }
}

struct Outcome {
    referrals: u64,
    measured_waits: u64,
    wait_sum_days: f64,
}

fn replicate(seed: u64, days: f64, warmup: f64, histogram: &mut Histogram<u64>) -> Outcome {
    let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut heap = BinaryHeap::with_capacity(64);
    let mut waiting: VecDeque<f64> = VecDeque::with_capacity(64);
    let mut busy = 0u32;
    let mut out = Outcome { referrals: 0, measured_waits: 0, wait_sum_days: 0.0 };
    let first: f64 = rng.sample(Exp1);
    heap.push(Event { day: first / LAMBDA, kind: Kind::Arrival });
    let mut record = |arrived: f64, now: f64, out: &mut Outcome| {
        if arrived >= warmup {
            let wait = now - arrived;
            histogram.saturating_record((wait * MINUTES_PER_DAY + 0.5) as u64);
            out.wait_sum_days += wait;
            out.measured_waits += 1;
        }
    };
    while let Some(Event { day: now, kind }) = heap.pop() {
        if now > days {
            break;
        }
        match kind {
            Kind::Arrival => {
                out.referrals += 1;
                let gap: f64 = rng.sample(Exp1);
                heap.push(Event { day: now + gap / LAMBDA, kind: Kind::Arrival });
                if busy < SERVERS {
                    busy += 1;
                    record(now, now, &mut out);
                    let service: f64 = rng.sample(Exp1);
                    heap.push(Event { day: now + service / MU, kind: Kind::Departure });
                } else {
                    waiting.push_back(now);
                }
            }
            Kind::Departure => match waiting.pop_front() {
                Some(arrived) => {
                    record(arrived, now, &mut out);
                    let service: f64 = rng.sample(Exp1);
                    heap.push(Event { day: now + service / MU, kind: Kind::Departure });
                }
                None => busy -= 1,
            },
        }
    }
    out
}

/// `--days`, `--warmup`, `--replications`, `--seed` and `--repeat`, or what is wrong with them.
fn parse_args() -> Result<(f64, f64, u32, u64, u32), String> {
    fn number<T: std::str::FromStr>(option: &str, text: &str) -> Result<T, String> {
        text.parse().map_err(|_| format!("{option} needs a number, found {text:?}"))
    }
    let (mut days, mut warmup, mut replications, mut seed, mut repeat) = (20_000.0, 200.0, 8u32, 1u64, 1u32);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let value = args.next().ok_or_else(|| format!("{arg} needs a value"))?;
        match arg.as_str() {
            "--days" => days = number(&arg, &value)?,
            "--warmup" => warmup = number(&arg, &value)?,
            "--replications" => replications = number(&arg, &value)?,
            "--seed" => seed = number(&arg, &value)?,
            "--repeat" => repeat = number(&arg, &value)?,
            other => return Err(format!("unknown option {other}; the options are --days, --warmup, --replications, --seed and --repeat")),
        }
    }
    Ok((days, warmup, replications, seed, repeat))
}

fn main() -> std::process::ExitCode {
    let (days, warmup, replications, seed, repeat) = match parse_args() {
        Ok(args) => args,
        Err(message) => {
            eprintln!("peer_minimal: {message}");
            return std::process::ExitCode::from(2);
        }
    };
    let mut best = f64::INFINITY;
    let mut best_cpu = f64::INFINITY;
    let (mut referrals, mut waits, mut wait_sum) = (0u64, 0u64, 0.0);
    for _ in 0..repeat.max(1) {
        let mut histogram = Histogram::<u64>::new_with_bounds(1, (MINUTES_PER_DAY * 36_525.0) as u64, 3).expect("bounds");
        (referrals, waits, wait_sum) = (0, 0, 0.0);
        let (start, cpu_start) = (Instant::now(), cpu::process_cpu_seconds());
        for r in 0..replications {
            let o = replicate(seed.wrapping_mul(1_000_003).wrapping_add(u64::from(r)), days, warmup, &mut histogram);
            referrals += o.referrals;
            waits += o.measured_waits;
            wait_sum += o.wait_sum_days;
        }
        best = best.min(start.elapsed().as_secs_f64());
        best_cpu = best_cpu.min(cpu::process_cpu_seconds() - cpu_start);
        std::hint::black_box(&histogram);
    }
    println!(
        "engine=minimal scenario=mmc replications={replications} threads=1 referrals={referrals} seconds={best:.4} cpu_seconds={best_cpu:.4} referrals_per_s={:.0} referrals_per_cpu_s={:.0} wq_days={:.5} load={}",
        referrals as f64 / best,
        referrals as f64 / best_cpu,
        wait_sum / waits as f64,
        cpu::load_average(),
    );
    std::process::ExitCode::SUCCESS
}
