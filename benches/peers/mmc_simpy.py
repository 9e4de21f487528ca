#!/usr/bin/env python3
"""M/M/c in SimPy, written the way SimPy's documentation and most users write it: a source
process, one process per referral, a Resource with c servers. The same model as
scenarios/validation/mmc.ron (8 referrals a day, 10 servers, mean service 1 day).

    python3 mmc_simpy.py [--days 20000] [--warmup 200] [--replications 1] [--seed 1]

Prints one key=value line like examples/timed_run.rs. Referrals are counted as they arrive;
the timed part is env.run() only (not the import). wq_days is the mean wait of referrals
arriving after the warm-up that have started service by the horizon.
"""

import argparse
import os
import random
import time

import simpy

LAMBDA, MU, SERVERS = 8.0, 1.0, 10


def replicate(seed, days, warmup):
    rng = random.Random(seed)
    env = simpy.Environment()
    servers = simpy.Resource(env, capacity=SERVERS)
    stats = {"referrals": 0, "waits": 0, "wait_sum": 0.0}

    def referral(env):
        arrived = env.now
        with servers.request() as request:
            yield request
            if arrived >= warmup:
                stats["waits"] += 1
                stats["wait_sum"] += env.now - arrived
            yield env.timeout(rng.expovariate(MU))

    def source(env):
        while True:
            yield env.timeout(rng.expovariate(LAMBDA))
            stats["referrals"] += 1
            env.process(referral(env))

    env.process(source(env))
    env.run(until=days)
    return stats


def main():
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
        s = replicate(a.seed * 1_000_003 + r, a.days, a.warmup)
        referrals += s["referrals"]
        waits += s["waits"]
        wait_sum += s["wait_sum"]
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    load = ",".join(f"{x:.2f}" for x in os.getloadavg())
    print(
        f"engine=simpy-{simpy.__version__} scenario=mmc replications={a.replications} threads=1 referrals={referrals} "
        f"seconds={wall:.4f} cpu_seconds={cpu:.4f} referrals_per_s={referrals / wall:.0f} "
        f"referrals_per_cpu_s={referrals / cpu:.0f} wq_days={wait_sum / waits:.5f} load={load}"
    )


if __name__ == "__main__":
    main()
