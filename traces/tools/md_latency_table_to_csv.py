#!/usr/bin/env python3
"""Convert the first Markdown latency matrix found in a file (IBM Cloud docs
style: header row '| Average latency (ms) | A | B | ... |', one row per
region with the region name in **bold**) to CSV from,to,rtt_ms.

Usage: python3 md_latency_table_to_csv.py INPUT.md OUTPUT.csv

Row label -> `from`, column label -> `to`.  Empty cells (the diagonal) are
skipped.  Values are copied as written (no rounding or averaging).
Stdlib only.
"""
import sys


def cells(line):
    return [c.strip() for c in line.strip().strip("|").split("|")]


def main(src, dst):
    lines = open(src, encoding="utf-8").read().splitlines()
    i = next(k for k, l in enumerate(lines) if l.startswith("| Average latency (ms)"))
    cols = cells(lines[i])[1:]
    out = []
    for l in lines[i + 2:]:
        if not l.startswith("|"):
            break  # end of the first table
        c = cells(l)
        frm = c[0].strip("*")
        for to, v in zip(cols, c[1:]):
            if v:
                float(v)  # must be numeric
                out.append((frm, to, v))
    with open(dst, "w", encoding="utf-8") as f:
        f.write("from,to,rtt_ms\n")
        for r in out:
            f.write(",".join(r) + "\n")
    print("regions=%d pairs=%d" % (len(cols), len(out)))


if __name__ == "__main__":
    main(*sys.argv[1:3])
