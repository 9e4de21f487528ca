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


import ciw
import peer_main

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
    peer_main.run(f"ciw-{ciw.__version__}", replicate)


if __name__ == "__main__":
    main()
