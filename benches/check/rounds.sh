#!/bin/sh
#! Compares two builds of `timed_run` on one single-core target in rounds, the order swapped
#! each round, and summarises the rounds as results/benchmarks.md quotes them since the
#! twenty-fifth pass: each build's median, the median of the per-round ratios (B's time over
#! A's, or for mmc A's rate over B's, so that below 1 means B is faster either way), and in
#! how many rounds B was ahead. On this shared host the speed drifts between minutes by more
#! than a pass changes the engine, so only builds timed in the same minutes can be compared,
#! and a ratio within ±3% over 20 rounds is noise. Each run gets priority over the rest of the
#! host (its own session with a raised autogroup, as root: results/benchmarks.md, "The load").
#!
#!   benches/check/rounds.sh A_TIMED_RUN B_TIMED_RUN [ROUNDS] [county|mmc]    (default 20, county)
#!
#! The county: `scenarios/county.ron --model siloed --replications 1 --repeat 2` (the best of
#! two, in seconds); mmc: `scenarios/validation/mmc.ron --repeat 10` (the best of ten, in
#! referrals a second). Prints one line a run (UTC time, build, figure, load), then the summary.
set -eu
A=$1
B=$2
ROUNDS=${3:-20}
TARGET=${4:-county}
case "$TARGET" in
    county) set -- scenarios/county.ron --model siloed --replications 1 --repeat 2; field=seconds ;;
    mmc) set -- scenarios/validation/mmc.ron --repeat 10; field=referrals_per_s ;;
    *) echo "error: the target is 'county' or 'mmc', not '$TARGET'" >&2; exit 2 ;;
esac
out=$(mktemp)
trap 'rm -f "$out"' EXIT
for round in $(seq 1 "$ROUNDS"); do
    if [ $((round % 2)) = 1 ]; then order="A B"; else order="B A"; fi
    for build in $order; do
        bin=$A
        [ "$build" = B ] && bin=$B
        line=$(setsid sh -c 'echo -20 > /proc/$$/autogroup 2>/dev/null; exec "$@"' sh "$bin" "$@")
        value=$(printf '%s\n' "$line" | tr ' ' '\n' | sed -n "s/^$field=//p")
        echo "$(date -u +%H:%M:%S) $build $field=$value load=$(cut -d' ' -f1-3 /proc/loadavg | tr ' ' ',')"
        echo "$round $build $value" >> "$out"
    done
done
awk -v target="$TARGET" '
    function median(v, n,    i, j, t) {
        for (i = 2; i <= n; i++) for (j = i; j > 1 && v[j - 1] > v[j]; j--) { t = v[j]; v[j] = v[j - 1]; v[j - 1] = t }
        return (n % 2) ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
    }
    { value[$1, $2] = $3; if ($1 > n) n = $1 }
    END {
        for (r = 1; r <= n; r++) {
            a[r] = value[r, "A"]; b[r] = value[r, "B"]
            ratio[r] = (target == "mmc") ? a[r] / b[r] : b[r] / a[r]
            if (ratio[r] < 1) ahead++
        }
        format = (target == "mmc") ? "%.0f" : "%.4f"
        printf "A median " format ", B median " format "; B/A ratio median %.3f (below 1: B faster), B ahead in %d of %d rounds\n", median(a, n), median(b, n), median(ratio, n), ahead, n
    }' "$out"
