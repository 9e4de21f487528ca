#!/bin/sh
#! Compares two folders written by `all_scenarios.sh` (the engine before a change and after):
#! every output file but provenance.json byte for byte, the exit codes, and the printed tables
#! and warnings once each folder's own name is taken out of them. Prints what differs; exits
#! with 1 if anything does.
#!
#!   benches/check/same_outputs.sh BASE_OUT NEW_OUT
set -u
BASE=$1
NEW=$2
status=0
diff -rq -x provenance.json -x '*.stdout' -x '*.stderr' "$BASE" "$NEW" || status=1
for f in "$BASE"/*.stdout "$BASE"/*.stderr; do
    name=$(basename "$f")
    sed "s|$BASE|OUT|g" "$f" > /tmp/same_outputs.$$.a
    sed "s|$NEW|OUT|g" "$NEW/$name" > /tmp/same_outputs.$$.b 2>/dev/null
    if ! cmp -s /tmp/same_outputs.$$.a /tmp/same_outputs.$$.b; then
        echo "differs: $name"
        status=1
    fi
done
rm -f /tmp/same_outputs.$$.a /tmp/same_outputs.$$.b
n_files=$(find "$BASE" -type f ! -name provenance.json ! -name '*.stdout' ! -name '*.stderr' | wc -l)
n_printed=$(ls "$BASE"/*.stdout "$BASE"/*.stderr | wc -l)
echo "compared $n_files output files and $n_printed printed streams; exit codes in rcs"
exit $status
