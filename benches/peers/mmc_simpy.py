#!/usr/bin/env python3
"""M/M/c in SimPy, written the way SimPy's documentation and most users write it: a source
process, one process per referral, a Resource with c servers. The same model as
scenarios/validation/mmc.ron (8 referrals a day, 10 servers, mean service 1 day).

    python3 mmc_simpy.py [--days 20000] [--warmup 200] [--replications 1] [--seed 1]

Prints one key=value line like examples/timed_run.rs. Referrals are counted as they arrive;
the timed part is env.run() only (not the import). wq_days is the mean wait of referrals
arriving after the warm-up that have started service by the horizon.
"""

import random

import peer_main
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
    return stats["referrals"], stats["waits"], stats["wait_sum"]


def main():
    peer_main.run(f"simpy-{simpy.__version__}", replicate)


if __name__ == "__main__":
    main()
