#!/bin/sh
#! Times two builds of `timed_run` (the engine before a change and after) on the status
#! table's two single-core targets, alternately, so that both see the same minutes of this
#! shared host, whose speed drifts between minutes by more than one optimisation pass changes
#! the engine. Each run gets priority over the rest of the host (its own session with a raised
#! autogroup, as root: results/benchmarks.md, "The load").
#!
#!   benches/check/alternate.sh BASE_TIMED_RUN HEAD_TIMED_RUN [ROUNDS]      (default 5 rounds)
#!
#! Prints one line per run: the UTC time, the load, which build, and for mmc.ron (8
#! replications, best of 3) its referrals per CPU second and per wall second, for the county
#! (siloed, 10 years, one replication, best of 2) its wall and CPU seconds; then each build's
#! median of the rounds. `rounds.sh` times one target with the order swapped each round and
#! summarises the per-round ratios, as the status table quotes them.
set -eu
BASE=$1
HEAD=$2
ROUNDS=${3:-5}
prio() { setsid sh -c 'echo -20 > /proc/$$/autogroup 2>/dev/null; exec "$@"' sh "$@"; }
field() { printf '%s\n' "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
out=$(mktemp)
trap 'rm -f "$out"' EXIT
for round in $(seq 1 "$ROUNDS"); do
    for build in base head; do
        bin=$BASE
        [ "$build" = head ] && bin=$HEAD
        line=$(prio "$bin" scenarios/validation/mmc.ron --repeat 3)
        cpu=$(field referrals_per_cpu_s "$line")
        wall=$(field referrals_per_s "$line")
        echo "$(date -u +%H:%M:%S) load $(cut -d' ' -f1 /proc/loadavg) $build mmc referrals_per_cpu_s=$cpu referrals_per_s=$wall"
        echo "$build mmc $cpu" >> "$out"
        line=$(prio "$bin" scenarios/county.ron --model siloed --replications 1 --repeat 2)
        seconds=$(field seconds "$line")
        cpu_seconds=$(field cpu_seconds "$line")
        echo "$(date -u +%H:%M:%S) load $(cut -d' ' -f1 /proc/loadavg) $build county seconds=$seconds cpu_seconds=$cpu_seconds"
        echo "$build county $seconds" >> "$out"
    done
done
for build in base head; do
    for target in mmc county; do
        median=$(awk -v b="$build" -v t="$target" '$1 == b && $2 == t { print $3 }' "$out" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')
        echo "median $build $target $median"
    done
done
