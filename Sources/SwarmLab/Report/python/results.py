"""Reading Swarmlab results files and the building blocks of the report's page: runs grouped by
(sweep point, policy) with 95% Student-t intervals, number formatting, and figures and tables as HTML.
"""
import base64
import html
import io
import math

import h5py
import numpy as np
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

plt.rcParams.update({"figure.dpi": 90, "savefig.dpi": 90, "figure.figsize": (9, 3.2),
                     "axes.grid": True, "grid.alpha": 0.3, "font.size": 9})

# Two-sided 95% Student-t quantiles by degrees of freedom (df > 30: the normal's 1.96).
T95 = [math.nan, 12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179,
       2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060,
       2.056, 2.052, 2.048, 2.045, 2.042]


def text(value):
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, np.ndarray) and value.size == 1:
        return text(value.item())
    return str(value)


def esc(value):
    return html.escape(text(value))


def mean_ci(values):
    """Mean and 95% Student-t half-width of the finite values (half-width NaN with fewer than two)."""
    v = np.asarray([x for x in values if np.isfinite(x)], dtype=float)
    if len(v) == 0:
        return math.nan, math.nan
    if len(v) == 1:
        return float(v[0]), math.nan
    t = T95[len(v) - 1] if len(v) - 1 < len(T95) else 1.96
    return float(v.mean()), float(t * v.std(ddof=1) / math.sqrt(len(v)))


def fmt(value, ci=math.nan):
    def one(x):
        if not np.isfinite(x):
            return "–"
        a = abs(x)
        if a != 0 and (a >= 1e6 or a < 1e-3):
            return f"{x:.3g}"
        return f"{x:,.4g}" if a < 1000 else f"{x:,.0f}"
    return one(value) if not np.isfinite(ci) else f"{one(value)} ± {one(ci)}"


def figure_html(fig, caption):
    buffer = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return (f'<figure><img class="figure" alt="{esc(caption)}" src="data:image/png;base64,{data}">'
            f"<figcaption>{esc(caption)}</figcaption></figure>")


def table_html(header, rows):
    head = "".join(f"<th>{esc(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def parse_ids(attribute):
    """`ID: text` per line (sweep_points, sweep_policies) as {id: text}."""
    out = {}
    for line in text(attribute).splitlines():
        if ": " in line:
            i, rest = line.split(": ", 1)
            out[int(i)] = rest
    return out


def parse_point(point):
    """`path=value, path=value` (a run's sweep_point) as [(path, value)]; `(base)` is none."""
    pairs = []
    for part in point.split(", "):
        if "=" in part:
            path, value = part.split("=", 1)
            pairs.append((path, value))
    return pairs


def number(value):
    try:
        return float(value.rstrip("%")) if value.strip() else math.nan
    except ValueError:
        return math.nan


class Results:
    """One results file: its runs grouped by (point, policy), each run's summary as a dict."""

    def __init__(self, path):
        self.path = path
        self.f = h5py.File(path, "r")
        self.attrs = {k: self.f.attrs[k] for k in self.f.attrs}
        self.runs = []  # (name, policy, point text, replication)
        for name in self.f:
            group = self.f[name]
            if not isinstance(group, h5py.Group) or "summary" not in group:
                continue
            a = group.attrs
            policy = text(a["policy"]) if "policy" in a else name
            point = text(a["sweep_point"]) if "sweep_point" in a else ""
            replication = int(a["replication"]) if "replication" in a else 0
            self.runs.append((name, policy, point, replication))
        self.summaries = {name: self.summary(name) for name, *_ in self.runs}
        self.policies = sorted({r[1] for r in self.runs})
        self.points = sorted({r[2] for r in self.runs}, key=lambda p: [number(v) if np.isfinite(number(v)) else v
                                                                      for _, v in parse_point(p)] or [0])
        self.is_sweep = "sweep_points" in self.attrs and len(self.points) > 1

    def summary(self, run):
        row = self.f[f"{run}/summary"][0]
        return {k: float(row[k]) for k in row.dtype.names}

    def runs_of(self, policy, point=None):
        return [r[0] for r in self.runs if r[1] == policy and (point is None or r[2] == point)]

    def stat(self, metric, policy, point=None):
        return mean_ci([self.summaries[r].get(metric, math.nan) for r in self.runs_of(policy, point)])

    def table(self, run, name, fields):
        ds = self.f[f"{run}/{name}"]
        have = [x for x in fields if x in ds.dtype.names]
        return ds.fields(have)[:] if have else None, ds.attrs
