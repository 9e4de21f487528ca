"""The command line and the one-line report shared by the Python peers (mmc_simpy.py,
mmc_ciw.py), so both time the same thing and print it the same way as
benches/timed_run.rs: the replications only, not the import.
"""

import argparse
import os
import time


def run(engine, replicate):
    """Parses the peers' options, runs `replicate(seed, days, warmup)` (which returns the
    referrals, the waits counted and their sum) for each replication, and prints one
    key=value line."""
    p = argparse.ArgumentParser()
    p.add_argument("--days", type=float, default=20000.0)
    p.add_argument("--warmup", type=float, default=200.0)
    p.add_argument("--replications", type=int, default=1)
    p.add_argument("--seed", type=int, default=1)
    a = p.parse_args()
    referrals = waits = 0
    wait_sum = 0.0
    wall, cpu = time.perf_counter(), time.process_time()
    for r in range(a.replications):
        n, w, s = replicate(a.seed * 1_000_003 + r, a.days, a.warmup)
        referrals += n
        waits += w
        wait_sum += s
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    load = ",".join(f"{x:.2f}" for x in os.getloadavg())
    print(
        f"engine={engine} scenario=mmc replications={a.replications} threads=1 referrals={referrals} "
        f"seconds={wall:.4f} cpu_seconds={cpu:.4f} referrals_per_s={referrals / wall:.0f} "
        f"referrals_per_cpu_s={referrals / cpu:.0f} wq_days={wait_sum / waits:.5f} load={load}"
    )
