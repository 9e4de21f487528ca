#!/bin/sh
#! Runs every scenario under scenarios/ with one joinedup binary, shortened so that the whole
#! set takes minutes, and keeps each run's files, printed table and exit code: run it with
#! the engine before a change and after, then compare the two folders with `same_outputs.sh`.
#! An optimisation pass must leave every output byte as it was (results/benchmarks.md).
#!
#!   benches/check/all_scenarios.sh BIN OUT     (from the repository's top folder)
#!
#! Shortened settings: one replication and one thread; the county, the councils and the risks
#! run four simulated years (one of warm-up), England one, the sweeps one replication a point
#! and two simulated years. Every scenario still runs its own engine paths.
set -u
BIN=$1
OUT=$2
mkdir -p "$OUT"
run() {
    name=$1
    shift
    "$BIN" "$@" > "$OUT/$name.stdout" 2> "$OUT/$name.stderr"
    echo "$name $?" >> "$OUT/rcs"
}
: > "$OUT/rcs"
short="--set run.horizon_days=1461 --set run.warmup_days=365.25"
for f in scenarios/*.ron scenarios/councils/*.ron scenarios/risks/*.ron; do
    name=$(basename "$f" .ron)
    # shellcheck disable=SC2086
    run "$name" run "$f" --replications 1 --threads 1 $short --out "$OUT/$name" --force
done
for f in scenarios/validation/*.ron; do
    name=$(basename "$f" .ron)
    run "$name" run "$f" --replications 1 --threads 1 --out "$OUT/$name" --force
done
run england run scenarios/scale/england.ron --replications 1 --threads 1 \
    --set run.horizon_days=365.25 --set run.warmup_days=91.3125 --out "$OUT/england" --force
for f in scenarios/sweeps/*.ron; do
    name=sweep_$(basename "$f" .ron)
    rm -rf "${OUT:?}/$name"
    # shellcheck disable=SC2086
    run "$name" sweep "$f" --replications 1 --threads 1 --set run.horizon_days=730.5 --set run.warmup_days=182.625 --out "$OUT/$name"
done
