#!/usr/bin/env python3
"""Convert a Gossip-Learning-Framework smartphone session trace
(res/trace/peersim_session_*.txt) to Swarmlab's availability CSV.

Source line format (as parsed by gossipLearning.controls.MobilTraceChurn /
gossipLearning.utils.UserTrace in the same repository):
  USER FIRST_ONLINE START_DATE_MS TIMEZONE_H D1 D2 D3 ...
FIRST_ONLINE is '1' if the device is online at START_DATE_MS, else '0';
D1, D2, ... are consecutive state durations in milliseconds, alternating
online/offline starting with the FIRST_ONLINE state.  Each line covers one
segment (one week in this file; durations of a full week sum to 604800000).

Usage:
  python3 golf_sessions_to_csv.py INPUT.txt OUTPUT.csv [--max-users N]

Cut rule: keep all lines of the first N distinct users in file order
(default: all).  Transformation:
  * online interval k: start = START_DATE_MS + sum(D1..D_{k-1}),
    end = start + D_k (milliseconds, UTC epoch; the TIMEZONE_H column is
    NOT applied);
  * device = USER with the leading 'user_py_data_manip/' removed;
  * intervals of one device that touch exactly (end == next start, i.e.
    split only by the weekly segmentation) are merged;
  * times written in seconds with 3 decimals (exact: ms / 1000);
  * sorted by device then start; only start < end rows are written.
Stdlib only.
"""
import sys

PREFIX = "user_py_data_manip/"


def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__)
    src, dst = argv[1], argv[2]
    max_users = None
    if "--max-users" in argv:
        max_users = int(argv[argv.index("--max-users") + 1])
    users, ivs = [], {}
    for line in open(src):
        t = line.split()
        if not t:
            continue
        user = t[0][len(PREFIX):] if t[0].startswith(PREFIX) else t[0]
        if user not in users:
            if max_users is not None and len(users) >= max_users:
                break
            users.append(user)
        online = t[1][0] == "1"
        now = int(t[2])
        for d in map(int, t[4:]):
            if online and d > 0:
                ivs.setdefault(user, []).append([now, now + d])
            now += d
            online = not online
    rows = []
    for user in sorted(ivs):
        merged = []
        for s, e in sorted(ivs[user]):
            if merged and s == merged[-1][1]:
                merged[-1][1] = e
            else:
                merged.append([s, e])
        rows += [(user, s, e) for s, e in merged]
    with open(dst, "w") as f:
        f.write("device,start,end\n")
        for u, s, e in rows:
            f.write("%s,%d.%03d,%d.%03d\n" % (u, s // 1000, s % 1000, e // 1000, e % 1000))
    print("users=%d on_intervals=%d" % (len(users), len(rows)))


if __name__ == "__main__":
    main(sys.argv)
