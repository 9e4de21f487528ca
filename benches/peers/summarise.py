#!/usr/bin/env python3
"""Reads the key=value lines of benches/peers/run.sh, prints each engine's best throughput,
the ratios to joinedup, and checks every engine's mean wait against Erlang C.

Tolerance: one 20,000-day replication of this M/M/c queue (~160,000 referrals) has a
relative standard deviation of its mean wait of 5.1% (measured over 60 seeds with the
minimal loop); it shrinks as 1/sqrt(referrals). An engine passes when its Wq is within three
such standard deviations of Erlang C: 5.4% for 1.28 million referrals, 7.7% for 640,000.
Exit status 1 if any engine disagrees.
"""

import math
import sys

LAMBDA, MU, C = 8.0, 1.0, 10
REL_SD_160K = 0.051


def erlang_c_wq(lam, mu, c):
    a = lam / mu
    rho = a / c
    term, below = 1.0, 0.0
    for k in range(c):
        below += term
        term *= a / (k + 1)
    waiting = term / (1 - rho)
    return waiting / (below + waiting) / (c * mu - lam)


def main():
    runs = {}
    for line in sys.stdin:
        if "=" not in line or line.startswith("#"):
            continue
        kv = dict(part.split("=", 1) for part in line.split() if "=" in part)
        runs.setdefault(kv["engine"], []).append(kv)
    wq = erlang_c_wq(LAMBDA, MU, C)
    print(f"\nErlang C: Wq = {wq:.4f} days (lambda {LAMBDA}/day, mu {MU}/day, c {C})")
    best = {}
    print(f"\n{'engine':<14}{'runs':>5}{'referrals':>11}{'best ref/s wall':>17}{'best ref/s CPU':>16}{'Wq days':>10}{'error':>8}{'tol':>7}  check  load (1,5,15 min) at best CPU run")
    failed = False
    for engine, rs in runs.items():
        wall = max(float(r["referrals_per_s"]) for r in rs)
        top = max(rs, key=lambda r: float(r["referrals_per_cpu_s"]))
        cpu = float(top["referrals_per_cpu_s"])
        best[engine] = (wall, cpu)
        referrals = int(top["referrals"])
        w = float(top["wq_days"])
        err = abs(w - wq) / wq
        tol = 3 * REL_SD_160K * math.sqrt(160_000 / referrals)
        ok = err <= tol
        failed |= not ok
        print(f"{engine:<14}{len(rs):>5}{referrals:>11,}{wall:>17,.0f}{cpu:>16,.0f}{w:>10.4f}{100 * err:>7.1f}%{100 * tol:>6.1f}%  {'ok' if ok else 'FAIL'}   {top.get('load', '?')}")
    if "joinedup" in best:
        jw, jc = best["joinedup"]
        print("\nRatios (joinedup / peer; above 1 means joinedup is faster):")
        for engine, (w, c) in best.items():
            if engine != "joinedup":
                print(f"  vs {engine:<14} wall {jw / w:8.2f}x   CPU {jc / c:8.2f}x")
        print(f"\nTarget: >= 5,000,000 referrals/s on one core (aim 8,000,000): joinedup best CPU-time figure {jc:,.0f}/s"
              f" = {100 * jc / 5e6:.0f}% of the target")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
