#!/bin/sh
#! Waits for quiet minutes and times two builds in them: measures how busy this machine's
#! CPUs are over five seconds (/proc/stat) and, if they were busy less than MAX_BUSY of the
#! time (nothing else of ours running), runs one set of `rounds.sh A B ROUNDS TARGET` and
#! appends its lines to LOG; otherwise appends a line saying it skipped. Then waits PAUSE
#! seconds and looks again. Stops after SETS sets have run (skips do not count) or at the
#! UTC time UNTIL (HH:MM), whichever comes first.
#!
#! Why: on a shared host the speed of one build moves between minutes by more than a pass
#! changes the engine, and the other tenants' load cannot be seen from here (results/
#! benchmarks.md, "The load"). A target measured against a fixed line (the county's 0.5 s)
#! needs the quietest minutes of a session: the twenty-ninth pass looked for them with this
#! loop (the twenty-eighth with one like it), run in the background while nothing else of
#! ours ran.
#! The check is of the CPUs' time, not the load average, which a set's own runs hold up for
#! minutes after.
#!
#!   benches/check/when_idle.sh A_TIMED_RUN B_TIMED_RUN LOG [SETS] [UNTIL] [ROUNDS] [TARGET]
#!       (defaults: 10 sets, until 23:59, 8 rounds, county; MAX_BUSY=0.1 and PAUSE=60 from
#!       the environment)
#!
#! The summary of each set is its last line in LOG (see rounds.sh); `grep -A1 '^== '`
#! shows when each set ran and how busy the CPUs were before it.
set -eu
A=$1
B=$2
LOG=$3
SETS=${4:-10}
UNTIL=${5:-23:59}
ROUNDS=${6:-8}
TARGET=${7:-county}
MAX_BUSY=${MAX_BUSY:-0.1}
PAUSE=${PAUSE:-60}
for bin in "$A" "$B"; do
    if [ ! -x "$bin" ]; then
        echo "error: '$bin' is not an executable timed_run; build one with 'cargo build --release --example timed_run'" >&2
        exit 2
    fi
done
case "$UNTIL" in
    [0-2][0-9]:[0-5][0-9]) ;;
    *) echo "error: UNTIL is a UTC time as HH:MM, not '$UNTIL'" >&2; exit 2 ;;
esac
here=$(dirname "$0")
# rounds.sh names the scenarios from the repository's top folder; A, B and LOG may be relative
# to where this was started, so they are made absolute first.
absolute() { case "$1" in /*) echo "$1" ;; *) echo "$PWD/$1" ;; esac; }
A=$(absolute "$A")
B=$(absolute "$B")
LOG=$(absolute "$LOG")
here=$(cd "$here" && pwd)
cd "$here/../.."
n_sets=0
while [ "$n_sets" -lt "$SETS" ] && [ "$(date -u +%H:%M)" \< "$UNTIL" ]; do
    # The share of the CPUs' time spent busy (not idle, not waiting for I/O) over 5 s.
    before=$(head -1 /proc/stat)
    sleep 5
    after=$(head -1 /proc/stat)
    busy=$(printf '%s\n%s\n' "$before" "$after" | awk '
        { total = 0; for (i = 2; i <= NF; i++) total += $i; idle = $5 + $6 }
        NR == 1 { total0 = total; idle0 = idle }
        NR == 2 { d = total - total0; printf "%.3f", (d > 0 ? 1 - (idle - idle0) / d : 1) }')
    if awk -v b="$busy" -v m="$MAX_BUSY" 'BEGIN { exit !(b < m) }'; then
        echo "== $(date -u +%H:%M:%S) busy=$busy" >> "$LOG"
        sh "$here/rounds.sh" "$A" "$B" "$ROUNDS" "$TARGET" >> "$LOG" 2>&1
        n_sets=$((n_sets + 1))
    else
        echo "== $(date -u +%H:%M:%S) skipped busy=$busy" >> "$LOG"
    fi
    if [ "$n_sets" -lt "$SETS" ]; then
        sleep "$PAUSE"
    fi
done
