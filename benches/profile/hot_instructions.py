#!/usr/bin/env python3
"""Self instruction counts of one function, instruction by instruction, beside its assembly.

`hot_lines.py` says which source lines are hot; this says which machine instructions are,
which shows what a line costs once inlined: bounds checks, values reloaded after a store, a
register saved around a call. Needs a callgrind profile taken with `--dump-instr=yes` of the
same binary, and objdump:

    valgrind --tool=callgrind --dump-instr=yes --callgrind-out-file=mmc.cg \\
        target/release/examples/timed_run scenarios/validation/mmc.ron --replications 1
    python3 benches/profile/hot_instructions.py mmc.cg target/release/examples/timed_run 'Sim::start_work$'

Prints the function's instructions in address order, each with its self count (calls made from
it are not counted), and the source line each run of instructions came from; `--min N` leaves
out instructions run fewer than N times.
"""

import argparse
import collections
import re
import subprocess
import sys


def self_counts(profile, pattern):
    """Self Ir by instruction address, for the functions whose name matches `pattern`."""
    costs = collections.Counter()
    names = {}
    current = None
    last_addr = 0
    skip_next = False
    for line in open(profile):
        line = line.rstrip("\n")
        named = re.match(r"c?fn=\((\d+)\) (.*)", line)
        if named:
            names[named.group(1)] = named.group(2)
        if line.startswith("fn="):
            ref = re.match(r"fn=\((\d+)\)", line)
            current = names.get(ref.group(1)) if ref else None
            continue
        if line.startswith("calls="):
            # The next cost line is the call's inclusive cost, not this function's own.
            skip_next = True
            continue
        if not line or not (line[0].isdigit() or line[0] in "+-*"):
            continue
        parts = line.split()
        position = parts[0]
        if position.startswith("0x"):
            addr = int(position, 16)
        elif position[0] in "+-":
            offset = int(position[1:], 16) if position[1:].startswith("0x") else int(position[1:])
            addr = last_addr + offset if position[0] == "+" else last_addr - offset
        elif position == "*":
            addr = last_addr
        else:
            addr = int(position)
        last_addr = addr
        if skip_next:
            skip_next = False
            continue
        if current and re.search(pattern, current) and len(parts) >= 3:
            costs[addr] += int(parts[2])
    return costs


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("profile")
    parser.add_argument("binary")
    parser.add_argument("function", help="a regular expression matched against callgrind's function names")
    parser.add_argument("--min", type=int, default=1, help="leave out instructions run fewer times than this")
    args = parser.parse_args()
    costs = self_counts(args.profile, args.function)
    if not costs:
        sys.exit(f"no instruction of a function matching {args.function!r} in {args.profile} (taken with --dump-instr=yes?)")
    print(f"{sum(costs.values()):,} instructions in {len(costs)} places")
    low, high = min(costs), max(costs)
    listing = subprocess.run(
        ["objdump", "-d", "--no-show-raw-insn", "-C", "-l", f"--start-address={low:#x}", f"--stop-address={high + 16:#x}", args.binary],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    source = None
    for line in listing.splitlines():
        instruction = re.match(r"\s*([0-9a-f]+):\s+(.*)", line)
        if instruction:
            count = costs.get(int(instruction.group(1), 16), 0)
            if count >= args.min:
                if source:
                    print(f"{'':12}{source}")
                    source = None
                print(f"{count:>10}  {instruction.group(1)}: {instruction.group(2)}")
        elif re.search(r"\.rs:\d+", line):
            source = line.strip()[-100:]


if __name__ == "__main__":
    main()
