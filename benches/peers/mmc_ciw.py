#!/usr/bin/env python3
"""M/M/c in Ciw, as Ciw's documentation builds it: one node, exponential arrivals and
service, c servers. The same model as scenarios/validation/mmc.ron (8 referrals a day,
10 servers, mean service 1 day).

    python3 mmc_ciw.py [--days 20000] [--warmup 200] [--replications 1] [--seed 1]

Prints one key=value line like examples/timed_run.rs. The timed part is
simulate_until_max_time() and get_all_records() (Ciw's way of reading results). Referrals
are the individuals Ciw created (those with a record plus those still in the system at the
horizon). wq_days is the mean waiting_time of completed records that arrived after warm-up.
"""

import argparse
import os
import time

import ciw

LAMBDA, MU, SERVERS = 8.0, 1.0, 10


def replicate(seed, days, warmup):
    network = ciw.create_network(
        arrival_distributions=[ciw.dists.Exponential(rate=LAMBDA)],
        service_distributions=[ciw.dists.Exponential(rate=MU)],
        number_of_servers=[SERVERS],
    )
    ciw.seed(seed)
    q = ciw.Simulation(network)
    q.simulate_until_max_time(days)
    records = q.get_all_records()
    in_system = sum(len(node.all_individuals) for node in q.transitive_nodes)
    waits = [r.waiting_time for r in records if r.arrival_date >= warmup]
    return len(records) + in_system, len(waits), sum(waits)


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
        n, w, s = replicate(a.seed * 1_000_003 + r, a.days, a.warmup)
        referrals += n
        waits += w
        wait_sum += s
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    load = ",".join(f"{x:.2f}" for x in os.getloadavg())
    print(
        f"engine=ciw-{ciw.__version__} scenario=mmc replications={a.replications} threads=1 referrals={referrals} "
        f"seconds={wall:.4f} cpu_seconds={cpu:.4f} referrals_per_s={referrals / wall:.0f} "
        f"referrals_per_cpu_s={referrals / cpu:.0f} wq_days={wait_sum / waits:.5f} load={load}"
    )


if __name__ == "__main__":
    main()
