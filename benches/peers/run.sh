#!/usr/bin/env bash
# Runs the M/M/c model (scenarios/validation/mmc.ron: 8 referrals a day, 10 servers, mean
# service 1 day) through joinedup's general engine and through its peers (a minimal
# hand-written Rust event loop, SimPy, Ciw), alternately, ROUNDS times, on one core each; then
# prints the best throughput of each, the ratios, and checks that every one agrees with
# Erlang C (Wq = 0.2046 days) within a tolerance derived from its number of referrals.
#
#   benches/peers/run.sh                 # 3 rounds
#   ROUNDS=5 PEER_REPLICATIONS=8 benches/peers/run.sh
#
# Workloads: joinedup and the minimal loop run mmc.ron as written (8 replications of 20,000
# days, ~1.28 million referrals); SimPy and Ciw run PEER_REPLICATIONS (default 4) replications
# of the same 20,000 days (~640,000 referrals), which keeps a round under a minute.
#
# Throughput is reported per wall second (best of the rounds) and per CPU second (best of the
# rounds; getrusage / time.process_time). On a shared machine the CPU-time figure is the one
# to quote: wall time includes the time other processes held the core. The load average is
# printed with every line.
#
# SimPy and Ciw are installed by this script into a virtual environment under the cargo
# target directory ($CARGO_TARGET_DIR/peers-venv), from PyPI.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROUNDS=${ROUNDS:-3}
PEER_REPLICATIONS=${PEER_REPLICATIONS:-4}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target}
VENV="$CARGO_TARGET_DIR/peers-venv"

echo "# machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p'); load at start: $(cut -d' ' -f1-3 /proc/loadavg)"
cargo build --quiet --release --example timed_run --example peer_minimal
if ! "$VENV/bin/python" -c "import simpy, ciw" 2>/dev/null; then
    echo "# installing SimPy 4.1 and Ciw 3.2 into $VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet 'simpy==4.1.*' 'ciw==3.2.*'
fi

out=$(mktemp)
trap 'rm -f "$out"' EXIT
for round in $(seq 1 "$ROUNDS"); do
    echo "# round $round of $ROUNDS"
    "$CARGO_TARGET_DIR/release/examples/timed_run" scenarios/validation/mmc.ron --threads 1 | tee -a "$out"
    "$CARGO_TARGET_DIR/release/examples/peer_minimal" --days 20000 --warmup 200 --replications 8 | tee -a "$out"
    "$VENV/bin/python" benches/peers/mmc_simpy.py --days 20000 --warmup 200 --replications "$PEER_REPLICATIONS" | tee -a "$out"
    "$VENV/bin/python" benches/peers/mmc_ciw.py --days 20000 --warmup 200 --replications "$PEER_REPLICATIONS" | tee -a "$out"
done
python3 benches/peers/summarise.py < "$out"
