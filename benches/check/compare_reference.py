#!/usr/bin/env python3
"""Checks a run of the default county against the curated reference, value for value.

An optimisation pass must leave every output byte as it was. The reference in
results/reference/county/ holds ten replications; a run of the first few (same seed) must
reproduce their rows of replications.csv and timeseries.csv exactly:

    target/release/joinedup run --replications 2 --out /tmp/county2 --force
    python3 benches/check/compare_reference.py /tmp/county2

Prints, for each file, the rows compared, and how many differ, are missing or are extra;
exits with 1 if any row differs or is missing, or the run has none.
"""

import csv
import sys
from pathlib import Path

REFERENCE = Path(__file__).resolve().parents[2] / "results" / "reference" / "county"


def rows(path, key_columns):
    with open(path, newline="") as f:
        reader = csv.DictReader(f)
        return {tuple(row[c] for c in key_columns): row["value"] for row in reader}


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: compare_reference.py RUN_FOLDER")
    run = Path(sys.argv[1])
    bad = False
    for name, keys in (("replications.csv", ("model", "replication", "metric")), ("timeseries.csv", ("model", "replication", "month", "metric"))):
        if not (run / name).exists():
            sys.exit(f"{run / name} does not exist: is {run} a folder written by `joinedup run`?")
        ours = rows(run / name, keys)
        theirs = rows(REFERENCE / name, keys)
        replications = {key[1] for key in ours}
        wanted = {key: value for key, value in theirs.items() if key[1] in replications}
        differ = sum(1 for key, value in ours.items() if key in wanted and wanted[key] != value)
        missing = sum(1 for key in wanted if key not in ours)
        extra = sum(1 for key in ours if key not in wanted)
        print(f"{name}: {len(ours)} rows of replications {','.join(sorted(replications, key=int))}: {differ} differ, {missing} missing, {extra} extra")
        bad |= differ > 0 or missing > 0 or extra > 0 or not ours
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
