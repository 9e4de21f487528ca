//! CPU time of this process (all its threads, those that have exited included), from
//! `getrusage(RUSAGE_SELF)`. On a shared machine wall time includes the time other people's
//! compilers held the core; CPU time does not, so the benchmarks report both.

#![allow(dead_code)]

/// User plus system CPU seconds used by this process so far.
pub fn process_cpu_seconds() -> f64 {
    // SAFETY: getrusage only writes into the struct we pass; RUSAGE_SELF is always valid.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let rc = unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    assert_eq!(rc, 0, "getrusage failed");
    let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 * 1e-6;
    seconds(usage.ru_utime) + seconds(usage.ru_stime)
}

/// The load averages (1, 5, 15 minutes) from /proc/loadavg, as text, for the record.
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(","))
        .unwrap_or_else(|_| "unknown".into())
}
