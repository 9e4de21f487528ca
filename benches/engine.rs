//! Criterion benchmarks of the engine (benchmarks, not timed tests: nothing here fails on a
//! slow machine). Run them all, or one group by name:
//!
//! ```text
//! cargo bench --bench engine -- --warm-up-time 1 --measurement-time 3
//! cargo bench --bench engine -- event_queue
//! cargo bench --bench engine -- mmc
//! cargo bench --bench engine -- county
//! cargo bench --bench engine -- overloaded_priority
//! cargo bench --bench engine -- sweep
//! ```
//!
//! The machine has 2 cores shared with other people's builds, so the single-threaded groups
//! (event_queue, mmc, county, overloaded_priority) measure the benchmark thread's CPU time
//! (`CLOCK_THREAD_CPUTIME_ID`), not wall time: when other processes hold the core, wall time
//! grows (7 times, seen at a load average of 10) but CPU time does not count their turns.
//! It still counts the cache misses they cause: the county's CPU time was 10-70% above its
//! idle-machine time at load averages of 7-12, mmc's (small working set) within 2%. On an
//! idle machine CPU time and wall time agree. The sweep group measures wall time, since what
//! it measures is the gain from a second core; trust it only when the load average it prints
//! is well under 1 (results/benchmarks.md says how its figures were taken on a busy machine).
//! For comparing two versions of the engine on a busy machine, count instructions with
//! `valgrind --tool=callgrind` (see results/benchmarks.md).
//! Each group's comment gives the cost it expects from a back-of-envelope count, so a result
//! far off that estimate is a finding in itself.
//!
//! The event queue's group draws its days with `rand_distr::Exp1`, which `clippy.toml` keeps
//! out of the simulation only for its results' sake (`joinedup::math`).
#![allow(clippy::disallowed_types)]

use criterion::measurement::{Measurement, ValueFormatter, WallTime};
use criterion::{BatchSize, BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use joinedup::engine::{self, EventQueue};
use joinedup::experiment;
use joinedup::model::Scenario;
use rand::{RngExt, SeedableRng};
use rand_distr::Exp1;
use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

#[path = "common/cpu.rs"]
mod cpu;

/// CPU time of the calling thread, as a criterion measurement (formatted like wall time).
struct ThreadCpuTime;

fn thread_cpu_now() -> Duration {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: clock_gettime writes only into `ts`; CLOCK_THREAD_CPUTIME_ID is always available
    // on Linux.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID) failed");
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

impl Measurement for ThreadCpuTime {
    type Intermediate = Duration;
    type Value = Duration;
    fn start(&self) -> Duration {
        thread_cpu_now()
    }
    fn end(&self, start: Duration) -> Duration {
        thread_cpu_now().saturating_sub(start)
    }
    fn add(&self, a: &Duration, b: &Duration) -> Duration {
        *a + *b
    }
    fn zero(&self) -> Duration {
        Duration::ZERO
    }
    fn to_f64(&self, value: &Duration) -> f64 {
        value.as_nanos() as f64
    }
    fn formatter(&self) -> &dyn ValueFormatter {
        static WALL: WallTime = WallTime;
        WALL.formatter()
    }
}

type Cpu = Criterion<ThreadCpuTime>;

fn scenario(relative: &str, overrides: &[&str]) -> Scenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(relative);
    let overrides: Vec<String> = overrides.iter().map(|s| s.to_string()).collect();
    joinedup::scenario::load(Some(&path), &overrides).unwrap_or_else(|e| panic!("{relative}: {e}")).scenario
}

fn note_load(group: &str) {
    eprintln!("[{group}] load average (1, 5, 15 min) at start: {}", cpu::load_average());
}

/// The future event list alone, in the classic "hold" pattern: a queue of `n` pending events;
/// each step pops the earliest and schedules one a random time later (mean `n` days), so the
/// size stays `n`. Payloads are 32 bytes like the engine's `Event`.
///
/// Expected cost per hold, for the queue as it is now (`src/engine/queue.rs`: 16-byte keys,
/// a 4-ary heap, buckets of 1/16 day in a 256-day ring from 1,024 pending events, then rings
/// of epochs and blocks): n = 16, one heap of 1-2 levels: ~10-20 ns. n = 4,096 and 262,144:
/// the pending events span ~n days and one is popped a day, so a bucket holds one event or
/// none; each event is filed once per level it passes (block, epoch, bucket), a push and a
/// move each: ~30-60 ns, rising with the cache misses of a larger slab. Measured (thread CPU time, load 1.2-1.4, commit after `d7fa2ea`): 33 ns, 55 ns and
/// 88 ns; fill-and-drain of 100,000 events 4.5 ms. Measured again on 28 November (a busy
/// host, results/benchmarks.md, "Criterion benches"): 35 ns, 89-93 ns and 229-244 ns, 6.4 ms,
/// with `56283dd` (the commit after `d7fa2ea`) at 40 ns, 71 ns and 142 ns, 5.4 ms in the same
/// hour. The cause was `104def1`'s counting sort of a bucket made current, whose fixed cost
/// and wait for its own stores (`queue::INSERTION_SORT_MAX_LEN`) took most of a pop of one
/// event a bucket; with buckets of at most eight entries sorted by insertion alone: 34-44 ns,
/// 72-84 ns and 132-152 ns, 5.7-6.5 ms (results/benchmarks.md, twenty-seventh pass). History: the binary heap of 48-byte
/// entries this bench was written against took 47 ns, 111 ns and 582 ns (19 ms); the bucket
/// queue with an unsorted overflow rescanned every epoch took 142 ns and 5.4 µs at the two
/// larger sizes (7.4 ms), which is why the epochs' ring exists.
fn event_queue(c: &mut Cpu) {
    note_load("event_queue");
    let mut group = c.benchmark_group("event_queue");
    group.throughput(Throughput::Elements(1));
    for n in [16usize, 4_096, 262_144] {
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(1);
        let mut queue: EventQueue<[u64; 4]> = EventQueue::new();
        for i in 0..n {
            let gap: f64 = rng.sample(Exp1);
            queue.schedule(gap * n as f64, [i as u64; 4]);
        }
        group.bench_with_input(BenchmarkId::new("hold", n), &n, |b, &n| {
            b.iter(|| {
                let (day, payload) = queue.pop_until(f64::INFINITY).expect("the queue is never empty");
                let gap: f64 = rng.sample(Exp1);
                queue.schedule(day + gap * n as f64, black_box(payload));
            })
        });
    }
    // Filling an empty queue with 100,000 events and draining it: the pattern of a burst of
    // scheduling. Days are Exp(1) × 1,000, so most events sit in the first four epochs and
    // ~25 share a bucket: a push, a move or two between levels and a pop from a heap of ~25,
    // ~30-50 ns per event in and out: ~3-5 ms. Measured: 4.5 ms (the binary heap this bench
    // was written against: 19 ms; the unsorted overflow: 7.4 ms).
    group.throughput(Throughput::Elements(100_000));
    group.sample_size(20);
    group.bench_function("fill_drain/100000", |b| {
        b.iter_batched(
            || {
                let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(2);
                (0..100_000u64).map(|i| (rng.sample::<f64, _>(Exp1) * 1000.0, i)).collect::<Vec<_>>()
            },
            |days| {
                let mut queue: EventQueue<[u64; 4]> = EventQueue::new();
                for (day, i) in days {
                    queue.schedule(day, [i; 4]);
                }
                let mut sum = 0u64;
                while let Some((_, p)) = queue.pop_until(f64::INFINITY) {
                    sum = sum.wrapping_add(p[0]);
                }
                sum
            },
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

/// `scenarios/validation/mmc.ron` through the general engine: one replication of 20,000 days,
/// about 160,000 referrals, two events each (arrival, service done). Throughput is reported in
/// referrals per second.
///
/// Target: at least 5 million referrals a second on one core (aim 8 million), i.e. one
/// replication in at most 32 ms (20 ms), or ~200 ns (~125 ns) per referral. A minimal
/// hand-written loop (benches/peers/minimal.rs) needs ~70 ns per referral; the engine does
/// more per referral (an episode with its own random stream, need draws for common random
/// numbers, untreated-need bookkeeping, time integrals, three wait histograms), so 2-3 times
/// the minimal loop is the budget. Measured when this bench was written: ~400 ns per referral
/// (62-65 ms per replication, 2.4-2.6 M referrals/s); after six optimisation passes (commit
/// `d714fba`) ~355 ns (3,870 instructions) per referral, 2.8 M referrals/s; after the seventh
/// (`24757a0`, cheaper wait histograms and month lookups) 3,612 instructions and ~3.0 M
/// referrals/s; after the eighth (`8729484`, work mmc cannot use skipped by flags decided once,
/// and two libm `floor` calls a referral that the compiler had hoisted) 3,389 instructions
/// (callgrind of `timed_run scenarios/validation/mmc.ron --replications 1`: 542,568,979 for
/// 160,091 referrals) and ~3.2 M referrals/s; after the twelfth (`6f41080`: rare paths out of
/// line, work decided once per scenario, values handed down the handlers rather than looked up
/// again) 2,668 instructions (425,519,943 for the 159,487 referrals of the tenth pass's
/// stream) and ~4.1 M referrals/s: the per-referral work is spread over a dozen handlers, see
/// results/benchmarks.md.
fn mmc(c: &mut Cpu) {
    note_load("mmc");
    let s = scenario("scenarios/validation/mmc.ron", &[]);
    let referrals = engine::simulate(&s, 0, 0).expect("mmc runs").diagnostics.episodes_created;
    let mut group = c.benchmark_group("mmc");
    group.throughput(Throughput::Elements(referrals));
    group.sample_size(10);
    group.bench_function("one_replication_20000_days", |b| b.iter(|| engine::simulate(black_box(&s), 0, 0).expect("mmc runs")));
    group.finish();
}

/// One replication of one model of the default county (`scenarios/county.ron`): ten simulated
/// years, about 25,000 new presentations a year plus recurrences, hidden need and returns
/// (~330,000 referrals for siloed) and ~1.6 million events.
///
/// Target: under 0.5 s on one core (once the models and collaboration issues have landed), so
/// under ~350 ns per event. Back of envelope for today's engine: a pop from a heap of ~10^4-10^5
/// events (~15-17 levels, ~150-250 ns with the 48-byte entries), an allocation scan over the
/// unit's practitioners (30-85 of them, ~5 ns each), need draws and bookkeeping (~200 ns):
/// ~500-700 ns per event, 0.7-1 s per replication. Measured when this bench was written, on
/// a machine whose other users were held back: siloed 0.70 s, integrated_hub 0.75 s,
/// fully_integrated 0.75 s (~500 ns per event). Since then the engine does more (waiting
/// lists, professionals per domain) and six passes took its cost down again: siloed 0.93-0.96 s
/// at `d714fba` (`ba08f3e` 0.87-1.03 s alternated with it on a shared machine), bound by cache
/// misses (9 L2 misses an event) more than by its ~2,300 instructions an event; twelve passes
/// in, 0.68-0.71 s at `8d98bbd` (the episode holds its needs, professionals and assessing
/// units, and the misses of an event are made to overlap). siloed is the baseline; integrated_hub and fully_integrated have the
/// largest units, so the most practitioners to choose among.
fn county(c: &mut Cpu) {
    note_load("county");
    let s = scenario("scenarios/county.ron", &[]);
    let mut group = c.benchmark_group("county");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(20));
    for name in ["siloed", "integrated_hub", "fully_integrated"] {
        let idx = s.models.iter().position(|m| m.name == name).unwrap_or_else(|| panic!("county has no model {name}"));
        let events = engine::simulate(&s, idx, 0).expect("county runs").diagnostics.events;
        group.throughput(Throughput::Elements(events));
        group.bench_function(BenchmarkId::new("one_replication_10_years", name), |b| {
            b.iter(|| engine::simulate(black_box(&s), idx, 0).expect("county runs"))
        });
    }
    group.finish();
}

/// An overloaded unit that takes the highest tier first: the county's `fully_integrated`
/// with demand raised from 0.25 to 0.35 presentations per family-year, so that its locality
/// teams cannot keep up (tens of thousands of cases waiting by the end), four simulated years,
/// one replication.
///
/// Expected: the cost of the county's `fully_integrated` per event (~400 ns), since each free
/// slot looks at most 64 cases down each of the four tiers' lanes (`QUEUE_SCAN_LIMIT`) however
/// long they grow: ~0.5 s. Looking down one whole queue for the highest tier instead made the
/// ten-year run 39 s against 1.3-1.9 s (results/benchmarks.md, thirty-first session); a result
/// many times the county's per-event cost here means a scan that grows with the queue.
fn overloaded_priority(c: &mut Cpu) {
    note_load("overloaded_priority");
    let s = scenario(
        "scenarios/county.ron",
        &[
            "models=[(name: \"fully_integrated\", preset: (name: \"fully_integrated\"))]",
            "population.presentations_per_family_year=0.35",
            "run.horizon_days=1461",
        ],
    );
    let events = engine::simulate(&s, 0, 0).expect("the overloaded county runs").diagnostics.events;
    let mut group = c.benchmark_group("overloaded_priority");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(20));
    group.throughput(Throughput::Elements(events));
    group.bench_function("fully_integrated_4_years_demand_0.35", |b| {
        b.iter(|| engine::simulate(black_box(&s), 0, 0).expect("the overloaded county runs"))
    });
    group.finish();
}

/// A small sweep: `joinedup::experiment::run` over 2 models × 4 replications of a 2-year
/// county (8 independent jobs of ~0.15 s), on 1 and on 2 threads.
///
/// Target: at least 1.8 times faster on 2 cores than on 1. Expected: the jobs share nothing
/// but the read-only scenario, so the 2-thread run should take ~52-55% of the 1-thread time
/// on an idle machine (8 jobs of unequal length on 2 workers); on a machine where other
/// processes hold the cores, the 2-thread figure is meaningless and only the 1-thread one
/// (compared with the sum of job times) tells anything.
///
/// Note: a `sweep` command (parameter sweeps over sweep points) is being built on another
/// branch. When it lands, add a bench of its library entry point over a few sweep points
/// here, at 1 and 2 threads, beside this one; sweep points and replications are both just
/// (model, replication) jobs to rayon today.
fn sweep(c: &mut Criterion) {
    note_load("sweep");
    let mut s = scenario("scenarios/county.ron", &["run.horizon_days=730.5", "run.warmup_days=182.625", "run.replications=4"]);
    s.models.retain(|m| m.name == "siloed" || m.name == "integrated_hub");
    let mut group = c.benchmark_group("sweep");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(20));
    group.throughput(Throughput::Elements(s.models.len() as u64 * u64::from(s.run.replications)));
    for threads in [1usize, 2] {
        group.bench_with_input(BenchmarkId::new("county_2y_2models_4reps", format!("threads={threads}")), &threads, |b, &t| {
            b.iter(|| experiment::run(black_box(&s), Some(t)).expect("sweep runs"))
        });
    }
    group.finish();
}

criterion_group! {
    name = single_thread;
    config = Criterion::default().with_measurement(ThreadCpuTime);
    targets = event_queue, mmc, county, overloaded_priority
}
criterion_group!(two_threads, sweep);
criterion_main!(single_thread, two_threads);
