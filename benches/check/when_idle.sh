#!/bin/sh
#! Waits for quiet minutes and times two builds in them: every PAUSE seconds, if this
#! machine's one-minute load is below MAX_LOAD, runs one set of `rounds.sh A B ROUNDS
#! TARGET` and appends its lines to LOG; otherwise appends a line saying it skipped. Stops
#! after SETS sets have run (skips do not count) or at the UTC time UNTIL (HH:MM), whichever
#! comes first.
#!
#! Why: on a shared host the speed of one build moves between minutes by more than a pass
#! changes the engine, and the other tenants' load cannot be seen from here (results/
#! benchmarks.md, "The load"). A target measured against a fixed line (the county's 0.5 s)
#! needs the quietest minutes of a session, and the twenty-eighth and twenty-ninth passes
#! looked for them with this loop, run in the background while nothing else of ours ran.
#!
#!   benches/check/when_idle.sh A_TIMED_RUN B_TIMED_RUN LOG [SETS] [UNTIL] [ROUNDS] [TARGET]
#!       (defaults: 10 sets, until 23:59, 8 rounds, county; MAX_LOAD=0.6 and PAUSE=240 from
#!       the environment)
#!
#! The summary of each set is its last line in LOG (see rounds.sh); `grep -A1 '^== '`
#! shows when each set ran and the load then.
set -eu
A=$1
B=$2
LOG=$3
SETS=${4:-10}
UNTIL=${5:-23:59}
ROUNDS=${6:-8}
TARGET=${7:-county}
MAX_LOAD=${MAX_LOAD:-0.6}
PAUSE=${PAUSE:-240}
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
n_sets=0
while [ "$n_sets" -lt "$SETS" ] && [ "$(date -u +%H:%M)" \< "$UNTIL" ]; do
    load=$(cut -d' ' -f1 /proc/loadavg)
    if awk -v l="$load" -v m="$MAX_LOAD" 'BEGIN { exit !(l < m) }'; then
        echo "== $(date -u +%H:%M:%S) load=$load" >> "$LOG"
        sh "$here/rounds.sh" "$A" "$B" "$ROUNDS" "$TARGET" >> "$LOG" 2>&1
        n_sets=$((n_sets + 1))
    else
        echo "== $(date -u +%H:%M:%S) skipped load=$load" >> "$LOG"
    fi
    [ "$n_sets" -lt "$SETS" ] && sleep "$PAUSE"
done
