#!/usr/bin/env python3
"""Self cost (instructions) per source line and per function from a callgrind output file.

callgrind_annotate prints per-function totals and annotated source, but not a ranked list of
the hottest source lines across files with inlining resolved; this does. Usage:

    python3 benches/profile/hot_lines.py callgrind.out [--top 40] [--match src/]

Costs are "self" costs (the instructions executed on that line, not in functions it calls);
inlined code counts on the line it was written on (callgrind's fi=/fe= records), so
`BinaryHeap::pop` inlined into the engine shows up under the standard library's file.
The first event (Ir) is used. Files made with `--dump-instr=yes` (an instruction address
before each line number) are read too.
"""

import argparse
import collections
import re
import signal
import sys

signal.signal(signal.SIGPIPE, signal.SIG_DFL)


def parse(path):
    names = {"fl": {}, "fn": {}}
    per_line = collections.Counter()
    per_fn = collections.Counter()
    per_fn_line = collections.Counter()
    total = 0
    fl = fi = fn = None
    skip_next = False
    # A file made with --dump-instr=yes gives each cost line an instruction address before
    # its line number ("positions: instr line"); each column is compressed on its own.
    n_positions = 1
    last = [0, 0]
    ref = re.compile(r"^\((\d+)\)(?: (.*))?$")

    def name(kind, text):
        m = ref.match(text)
        if not m:
            return text
        key, value = m.group(1), m.group(2)
        table = names["fn" if kind == "fn" else "fl"]
        if value is not None:
            table[key] = value
        return table.get(key, text)

    with open(path, errors="replace") as f:
        for raw in f:
            line = raw.rstrip("\n")
            if not line:
                continue
            if line.startswith("positions:"):
                n_positions = len(line.split()[1:])
                continue
            head = line[:3]
            if head in ("fl=",):
                fl = fi = name("fl", line[3:])
                continue
            if head in ("fi=", "fe="):
                fi = name("fl", line[3:])
                continue
            if head == "fn=":
                fn = name("fn", line[3:])
                fi = fl
                continue
            if line.startswith(("cfn=", "cfi=", "cfl=", "cob=", "ob=")):
                if line.startswith(("cfn=", "cfi=", "cfl=")):
                    # Register compressed names defined on call lines too.
                    kind = "fn" if line.startswith("cfn=") else "fl"
                    name(kind, line.split("=", 1)[1])
                continue
            if line.startswith("calls="):
                skip_next = True
                continue
            c = line[0]
            if not (c.isdigit() or c in "+-*"):
                continue
            parts = line.split()
            for column, pos in enumerate(parts[:n_positions]):
                if pos.startswith("+"):
                    last[column] += int(pos[1:], 0)
                elif pos.startswith("-"):
                    last[column] -= int(pos[1:], 0)
                elif pos != "*":
                    last[column] = int(pos, 0)
            ln = last[n_positions - 1]
            if skip_next:
                skip_next = False
                continue
            cost = int(parts[n_positions]) if len(parts) > n_positions else 0
            per_line[(fi, ln)] += cost
            per_fn[fn] += cost
            per_fn_line[(fn, fi, ln)] += cost
            total += cost
    return total, per_line, per_fn, per_fn_line


def main():
    p = argparse.ArgumentParser()
    p.add_argument("file")
    p.add_argument("--top", type=int, default=40)
    p.add_argument("--match", default="", help="only lines whose file path contains this")
    p.add_argument("--lines-per-fn", type=int, default=6, help="hot lines shown inside each hot function")
    args = p.parse_args()
    total, per_line, per_fn, per_fn_line = parse(args.file)
    print(f"total Ir (self, summed): {total:,}")
    print(f"\nhottest source lines{' matching ' + args.match if args.match else ''}:")
    shown = 0
    for (fi, ln), cost in per_line.most_common():
        if args.match and args.match not in (fi or ""):
            continue
        short = shorten(fi)
        print(f"{cost:>14,} {100 * cost / total:5.1f}%  {short}:{ln}")
        shown += 1
        if shown >= args.top:
            break
    print("\nhottest functions (self, inlined code included), with their hottest lines:")
    by_fn = collections.defaultdict(list)
    for (fn, fi, ln), cost in per_fn_line.items():
        by_fn[fn].append((cost, fi, ln))
    for fn, cost in per_fn.most_common(args.top):
        print(f"{cost:>14,} {100 * cost / total:5.1f}%  {fn[:150]}")
        for c, fi, ln in sorted(by_fn[fn], reverse=True)[: args.lines_per_fn]:
            print(f"{'':>16}{c:>12,} {100 * c / total:5.1f}%  {shorten(fi)}:{ln}")


def shorten(fi):
    fi = fi or "?"
    fi = re.sub(r"^/rustc/[0-9a-f]+/library/", "std:", fi)
    fi = re.sub(r"^.*/registry/src/[^/]+/", "", fi)
    fi = re.sub(r"^/work/[^/]+/", "", fi)
    return fi


if __name__ == "__main__":
    sys.exit(main())
