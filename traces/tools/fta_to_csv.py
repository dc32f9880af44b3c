#!/usr/bin/env python3
"""Cut a Failure Trace Archive (FTA) event_trace.tab file and convert it to
Swarmlab's availability CSV (device,start,end).

Usage:
  python3 fta_to_csv.py EVENT_TRACE_TAB OUT_PREFIX [--max-nodes N]

Cut rule: keep every row of the first N distinct node_id values in file order
(default: all nodes).  A node whose rows are not all present in the input
(e.g. the input is a truncated head of the file) must be excluded by choosing N.

Outputs:
  OUT_PREFIX.fta.tab  header line + the kept rows, byte-for-byte as in the input
  OUT_PREFIX.csv      device,start,end  -- one row per FTA event with
                      event_type == 1 (availability) and start < end;
                      device = node_id; start/end = event_start_time /
                      event_stop_time copied unchanged (Unix epoch seconds);
                      sorted by device (numeric) then start.
Stdlib only.
"""
import sys


def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__)
    src, prefix = argv[1], argv[2]
    max_nodes = None
    if "--max-nodes" in argv:
        max_nodes = int(argv[argv.index("--max-nodes") + 1])

    header, kept, order = None, [], []
    with open(src) as f:
        for line in f:
            if line.startswith("#") or line.lstrip().startswith("event_id"):
                header = header or line
                continue
            if not line.strip():
                continue
            fields = line.split()
            if len(fields) != 9:
                raise ValueError("expected 9 fields: %r" % line)
            node = int(fields[2])
            if node not in order:
                if max_nodes is not None and len(order) >= max_nodes:
                    break
                order.append(node)
            kept.append((line, fields))

    with open(prefix + ".fta.tab", "w") as f:
        f.write(header)
        for line, _ in kept:
            f.write(line if line.endswith("\n") else line + "\n")

    rows, dropped = [], 0
    for _, fl in kept:
        if fl[5] != "1":
            continue
        start, stop = int(fl[6]), int(fl[7])
        if start < stop:
            rows.append((int(fl[2]), start, stop))
        else:
            dropped += 1
    rows.sort()
    with open(prefix + ".csv", "w") as f:
        f.write("device,start,end\n")
        for d, s, e in rows:
            f.write("%d,%d,%d\n" % (d, s, e))
    print("nodes=%d fta_rows=%d on_intervals=%d dropped_zero_length=%d"
          % (len(order), len(kept), len(rows), dropped))


if __name__ == "__main__":
    main(sys.argv)
