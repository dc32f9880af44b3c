"""Reads a Swarmlab results file with h5py and pandas and checks it against what Swarmlab
says it wrote (a JSON file from the Swift test). Exits 1 and names every difference.

    python check_results.py RESULTS.h5 EXPECTED.json
"""
import json
import math
import sys

import h5py
import numpy as np
import pandas as pd

path, expected_path = sys.argv[1], sys.argv[2]
with open(expected_path) as f:
    expected = json.load(f)
problems = []


def same(a, b):
    if b is None:
        return a is None or (isinstance(a, float) and math.isnan(a))
    if isinstance(b, float) or isinstance(a, float):
        return float(a) == float(b)
    return a == b


def check(what, got, want, rel=0.0):
    if not (same(got, want) or (rel > 0 and math.isclose(got, want, rel_tol=rel))):
        problems.append(f"{what}: h5py/pandas read {got!r}, Swarmlab wrote {want!r}")


with h5py.File(path, "r") as f:
    for name, want in expected["attributes"].items():
        got = f.attrs[name]
        got = got.decode() if isinstance(got, bytes) else got
        check(f"attribute {name}", got.item() if hasattr(got, "item") else got, want)
    for group, g in expected["groups"].items():
        for table, t in g["tables"].items():
            ds = f[group][table]
            df = pd.DataFrame(ds[:])
            check(f"{group}/{table} rows", len(df), t["rows"])
            check(f"{group}/{table} columns", list(df.columns), t["fields"])
            for column, values in t["head"].items():
                for i, v in enumerate(values):
                    check(f"{group}/{table}.{column}[{i}]", df[column].iloc[i].item(), v)
            for column, total in t["sums"].items():
                # numpy sums pairwise, Swift left to right: the last bits may differ.
                check(f"{group}/{table}.{column} sum (NaN skipped)", float(np.nansum(df[column].to_numpy(dtype=float))), total, rel=1e-12)
            for attribute, names in t["lookups"].items():
                check(f"{group}/{table} @{attribute}", [str(x) for x in ds.attrs[attribute]], names)
        s = pd.DataFrame(f[group]["summary"][:]).iloc[0]
        for metric, v in g["summary"].items():
            check(f"{group}/summary.{metric}", float(s[metric]), v)
        tasks = pd.DataFrame(f[group]["tasks"][:])
        outcome = list(f[group]["tasks"].attrs["outcome_names"])
        check(f"{group}: accepted rows", int((tasks.outcome == outcome.index("accepted")).sum()), g["accepted"])

if problems:
    print("\n".join(problems))
    sys.exit(1)
print(f"ok: {path} read by h5py {h5py.__version__}, pandas {pd.__version__}, numpy {np.__version__}")
