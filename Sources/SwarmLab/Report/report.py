"""Renders Swarmlab results files (HDF5, docs/results-schema.md) as one self-contained HTML page.

Called by `swarmlab report` (Sources/SwarmLab/Report/ReportRenderer.swift), which finds a Python
with h5py, numpy and matplotlib (scripts/python-env) and passes:

    report.py OUTPUT.html RESULTS.h5 [RESULTS.h5 ...]

One section per results file: scenario and provenance; per policy (and sweep point) the summary
with 95% Student-t intervals over replications; latency CDFs; makespan and throughput with error
bars; the timeline of the first run of each policy (every column the file's /timeline holds, scale
events when a run records them); churn and lost work; energy, cost and carbon; for a sweep, each
metric against each axis per policy. Figures are matplotlib PNGs embedded as data: URIs, so the
page needs no network and no other file. A script at the end of the page writes how many figures
the browser decoded into <body data-figures="LOADED/TOTAL"> (the test reads it with Chromium).
"""
import base64
import html
import io
import math
import os
import sys
import time

import h5py
import numpy as np
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.ticker  # noqa: E402

plt.rcParams.update({"figure.dpi": 90, "savefig.dpi": 90, "figure.figsize": (9, 3.2),
                     "axes.grid": True, "grid.alpha": 0.3, "font.size": 9})

# Two-sided 95% Student-t quantiles by degrees of freedom (df > 30: the normal's 1.96).
T95 = [math.nan, 12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179,
       2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060,
       2.056, 2.052, 2.048, 2.045, 2.042]

# Summary metrics the page tabulates: (field, label, scale, unit shown).
SUMMARY = [("tasks_done", "tasks done", 1, ""), ("makespan", "makespan", 1, "s"),
           ("throughput", "throughput", 1, "tasks/s"), ("latency_p50", "latency p50", 1, "s"),
           ("latency_p95", "latency p95", 1, "s"), ("latency_p99", "latency p99", 1, "s"),
           ("slo_attainment", "SLO attainment", 1, ""), ("utilisation", "utilisation", 1, ""),
           ("attempts_lost", "attempts lost", 1, ""), ("wasted_work", "wasted work", 1 / 3600, "h"),
           ("energy", "energy", 1 / 3.6e6, "kWh"), ("cloud_cost", "cloud cost", 1, "USD"),
           ("carbon", "carbon", 1 / 1000, "kg CO₂")]
CHURN = [("wasted_work", "lost to churn"), ("redundant_work", "redundant"), ("dropped_work", "dropped stragglers")]
FOOTPRINT = [("energy", "energy (kWh)", 1 / 3.6e6), ("cloud_cost", "cloud cost (USD)", 1),
             ("volunteer_electricity_cost", "volunteers' electricity (USD)", 1),
             ("carbon", "carbon (kg CO₂)", 1 / 1000)]
SWEEP_METRICS = [("makespan", "makespan (s)"), ("throughput", "throughput (tasks/s)"),
                 ("latency_p95", "latency p95 (s)"), ("tasks_done", "tasks done"),
                 ("wasted_work", "wasted work (s)"), ("utilisation", "utilisation"),
                 ("energy", "energy (J)"), ("cloud_cost", "cloud cost (USD)"), ("carbon", "carbon (g CO₂)")]


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


def section_provenance(r):
    keys = ["scenario_name", "seed", "swarmlab_version", "git_commit", "schema_version", "calibration_profile",
            "host", "created", "wall_time", "replications", "merged_from"]
    def shown(k):
        if k == "wall_time":
            return fmt(float(r.attrs[k])) + " s"
        if k == "merged_from":
            return f"{len(text(r.attrs[k]).splitlines())} files"
        return text(r.attrs[k])
    rows = [(k, shown(k)) for k in keys if k in r.attrs]
    runs = f"{len(r.runs)} run(s): {len(r.policies)} polic{'y' if len(r.policies) == 1 else 'ies'}"
    if r.is_sweep:
        runs += f" × {len(r.points)} sweep points"
    out = [f"<p>{esc(runs)} — {esc(', '.join(r.policies))}.</p>", table_html(["attribute", "value"], rows)]
    if "scenario" in r.attrs:
        out.append(f"<details><summary>scenario file</summary><pre>{esc(r.attrs['scenario'])}</pre></details>")
    return "<h3>Scenario and provenance</h3>" + "".join(out)


def section_summary(r):
    points = r.points if r.is_sweep else [None]
    note = ("Mean ± half-width of the 95% Student-t interval over the runs of each row (replications); "
            "a single run shows its value alone.")
    out = [f"<h3>Summary per policy</h3><p>{esc(note)}</p>"]
    for columns in (SUMMARY[:8], SUMMARY[8:]):
        rows = []
        for point in points:
            for policy in r.policies:
                n = len(r.runs_of(policy, point))
                cells = [policy] + ([point or "(base)"] if r.is_sweep else []) + [n]
                for metric, _, scale, _ in columns:
                    m, ci = r.stat(metric, policy, point)
                    cells.append(fmt(m * scale, ci * scale))
                rows.append(cells)
        header = ["policy"] + (["point"] if r.is_sweep else []) + ["runs"] + [
            f"{label} ({unit})" if unit else label for _, label, _, unit in columns]
        out.append(f"<div class=wide>{table_html(header, rows)}</div>")
    return "".join(out)


def section_latency(r):
    jobs = {}
    kinds = {}
    for policy in r.policies:
        for run in r.runs_of(policy, r.points[0] if r.is_sweep else None):
            if not kinds and f"{run}/jobs" in r.f:
                j, jattrs = r.table(run, "jobs", ["job", "kind"])
                names = [text(x) for x in jattrs.get("kind_names", [])]
                kinds = {int(a): names[int(b)] for a, b in zip(j["job"], j["kind"]) if int(b) < len(names)}
            t, attrs = r.table(run, "tasks", ["job", "outcome", "arrival", "end"])
            if t is None or len(t) == 0:
                continue
            names = [text(x) for x in attrs.get("outcome_names", [])]
            accepted = names.index("accepted") if "accepted" in names else 1
            t = t[t["outcome"] == accepted]
            for job in np.unique(t["job"]):
                mine = t[t["job"] == job]
                jobs.setdefault(int(job), {}).setdefault(policy, []).append(mine["end"] - mine["arrival"])
    if not jobs:
        return "<h3>Latency</h3><p>No accepted task.</p>"
    shown = sorted(jobs)[:4]
    fig, axes = plt.subplots(1, len(shown), figsize=(9, 3.2), squeeze=False)
    for ax, job in zip(axes[0], shown):
        for policy, parts in jobs[job].items():
            latency = np.sort(np.concatenate(parts))
            latency = latency[np.isfinite(latency)]
            if len(latency) == 0:
                continue
            q = np.linspace(0, 1, min(len(latency), 2000))
            ax.step(np.quantile(latency, q), q, where="post", label=policy)
        ax.set(xlabel="latency (s)", ylabel="fraction of tasks", title=f"job {job}" + (f": {kinds[job]}" if job in kinds else ""))
        if ax.get_lines() and min(line.get_xdata().min() for line in ax.get_lines()) > 0:
            ax.set_xscale("log")
            ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    axes[0][0].legend()
    where = f" at sweep point {r.points[0]}" if r.is_sweep else ""
    caption = f"Latency CDF (finish − arrival of accepted tasks) per job and policy, all replications pooled{where}."
    more = f"<p>{len(jobs) - len(shown)} more job(s) not drawn.</p>" if len(jobs) > len(shown) else ""
    return "<h3>Latency</h3>" + figure_html(fig, caption) + more


def bars(ax, r, metric, scale, label, point=None):
    means, cis = zip(*[r.stat(metric, p, point) for p in r.policies])
    means = np.array(means) * scale
    cis = np.array(cis) * scale
    errors = np.nan_to_num(cis) if np.isfinite(cis).any() else None  # no bars with one run per policy
    ax.bar(range(len(r.policies)), means, yerr=errors, capsize=4, color=[f"C{i}" for i in range(len(r.policies))])
    ax.set_xticks(range(len(r.policies)), r.policies, rotation=15 if len(r.policies) > 3 else 0)
    ax.set(title=label)


def section_performance(r):
    point = r.points[0] if r.is_sweep else None
    fig, axes = plt.subplots(1, 3, figsize=(9, 3))
    for ax, (metric, label) in zip(axes, [("makespan", "makespan (s)"), ("throughput", "throughput (tasks/s)"),
                                          ("latency_p95", "latency p95 (s)")]):
        bars(ax, r, metric, 1, label, point)
    where = f" at sweep point {point}" if point else ""
    return ("<h3>Makespan and throughput</h3>" +
            figure_html(fig, f"Mean per policy{where}; error bars: 95% interval over replications (none with one run)."))


def section_timeline(r):
    point = r.points[0] if r.is_sweep else None
    series = {}
    scale_events = {}
    for policy in r.policies:
        runs = r.runs_of(policy, point)
        if not runs or f"{runs[0]}/timeline" not in r.f:
            continue
        tl = r.f[f"{runs[0]}/timeline"][:]
        if len(tl) == 0:
            continue
        series[policy] = tl
        # Scale events, when the run records them: any table of the run whose name says so, with a time column.
        for name in r.f[runs[0]]:
            if "scal" in name and "time" in (r.f[f"{runs[0]}/{name}"].dtype.names or ()):
                scale_events[policy] = r.f[f"{runs[0]}/{name}"]["time"][:]
    if not series:
        return "<h3>Timeline</h3><p>No timeline in this file.</p>"
    columns = [c for c in next(iter(series.values())).dtype.names if c != "time"]
    rows = math.ceil(len(columns) / 2)
    fig, axes = plt.subplots(rows, 2, figsize=(9, 2.3 * rows), sharex=True, squeeze=False)
    end = max(float(tl["time"][-1]) for tl in series.values())
    hours = end > 3 * 3600
    for ax, column in zip(axes.flat, columns):
        for i, (policy, tl) in enumerate(series.items()):
            x = tl["time"] / 3600 if hours else tl["time"]
            ax.plot(x, tl[column], label=policy, linewidth=1, color=f"C{i}", marker="." if len(tl) < 30 else None)
            for t in scale_events.get(policy, []):
                ax.axvline(t / 3600 if hours else t, color=f"C{i}", linestyle=":", linewidth=0.8)
        ax.set(ylabel=column)
    for ax in axes.flat[len(columns):]:
        ax.set_visible(False)
    for ax in axes[-1]:
        ax.set(xlabel="simulated time (h)" if hours else "simulated time (s)")
    axes[0][0].legend()
    caption = ("The first run of each policy" + (f" at sweep point {point}" if point else "") +
               ": every column of /timeline" + (" (dotted lines: scale events)" if scale_events else "") + ".")
    return "<h3>Timeline</h3>" + figure_html(fig, caption)


def section_churn(r):
    point = r.points[0] if r.is_sweep else None
    fig, axes = plt.subplots(1, 2, figsize=(9, 3))
    width = 0.8 / len(CHURN)
    for j, (metric, label) in enumerate(CHURN):
        means, cis = zip(*[r.stat(metric, p, point) for p in r.policies])
        x = np.arange(len(r.policies)) + (j - (len(CHURN) - 1) / 2) * width
        cis = np.array(cis) / 3600
        axes[0].bar(x, np.array(means) / 3600, width, yerr=np.nan_to_num(cis) if np.isfinite(cis).any() else None,
                    capsize=3, label=label)
    axes[0].set_xticks(range(len(r.policies)), r.policies)
    axes[0].set(title="device time not kept (h)")
    axes[0].legend()
    bars(axes[1], r, "attempts_lost", 1, "attempts lost to churn", point)
    rows = []
    for policy in r.policies:
        cells = [policy]
        for metric in ["attempts_lost", "wasted_work", "redundant_work", "dropped_work", "tasks_dropped", "backup_attempts"]:
            m, ci = r.stat(metric, policy, point)
            cells.append(fmt(m, ci))
        rows.append(cells)
    header = ["policy", "attempts lost", "wasted work (s)", "redundant work (s)", "dropped work (s)",
              "tasks dropped", "backup attempts"]
    caption = "Work devices did that no accepted result kept, per policy; error bars: 95% intervals."
    return "<h3>Churn and lost work</h3>" + figure_html(fig, caption) + table_html(header, rows)


def section_footprint(r):
    point = r.points[0] if r.is_sweep else None
    fig, axes = plt.subplots(1, len(FOOTPRINT), figsize=(9, 2.8))
    for ax, (metric, label, scale) in zip(axes, FOOTPRINT):
        bars(ax, r, metric, scale, label, point)
    return ("<h3>Energy, cost and carbon</h3>" +
            figure_html(fig, "Per policy, mean over replications with 95% error bars (docs/models/energy-cost.md)."))


def section_sweep(r):
    parsed = {p: parse_point(p) for p in r.points}
    axes_names = []
    for pairs in parsed.values():
        for path, _ in pairs:
            if path not in axes_names:
                axes_names.append(path)
    out = ["<h3>Sweep: each metric against each axis</h3>",
           "<p>Mean over replications with 95% error bars; one line per policy (and per value of the other axes).</p>"]
    for axis in axes_names:
        values = {p: dict(pairs).get(axis, "") for p, pairs in parsed.items()}
        numeric = all(np.isfinite(number(v)) for v in values.values())
        order = sorted(set(values.values()), key=lambda v: number(v) if numeric else v)
        position = {v: (number(v) if numeric else i) for i, v in enumerate(order)}
        others = {p: ", ".join(f"{k}={v}" for k, v in parsed[p] if k != axis) for p in r.points}
        cols = 3
        rows = math.ceil(len(SWEEP_METRICS) / cols)
        fig, axs = plt.subplots(rows, cols, figsize=(9, 2.5 * rows), squeeze=False)
        for ax, (metric, label) in zip(axs.flat, SWEEP_METRICS):
            for i, policy in enumerate(r.policies):
                for k, other in enumerate(sorted(set(others.values()))):
                    pts = sorted((p for p in r.points if others[p] == other), key=lambda p: position[values[p]])
                    stats = [r.stat(metric, policy, p) for p in pts]
                    ax.errorbar([position[values[p]] for p in pts], [s[0] for s in stats],
                                yerr=[0 if not np.isfinite(s[1]) else s[1] for s in stats], marker="o", markersize=3,
                                capsize=3, color=f"C{i}", linestyle=["-", "--", ":", "-."][k % 4],
                                label=policy + (f" ({other})" if other else ""))
            ax.set(title=label)
            if numeric and min(position.values()) > 0 and max(position.values()) / min(position.values()) >= 10:
                ax.set_xscale("log")
            if numeric:
                ax.set_xticks([position[v] for v in order], order)
                ax.minorticks_off()
            if not numeric:
                ax.set_xticks(range(len(order)), order)
        for ax in axs[-1]:
            ax.set(xlabel=axis)
        axs[0][0].legend(fontsize=7)
        out.append(figure_html(fig, f"Each metric against {axis}, per policy."))
    return "".join(out)


def section(path):
    r = Results(path)
    name = text(r.attrs.get("scenario_name", os.path.basename(path)))
    parts = [f"<section><h2>{esc(name)} <small>{esc(os.path.basename(path))}</small></h2>",
             section_provenance(r), section_summary(r)]
    if r.is_sweep:
        parts.append(section_sweep(r))
    parts += [section_performance(r), section_latency(r), section_timeline(r), section_churn(r), section_footprint(r)]
    parts.append("</section>")
    r.f.close()
    return "".join(parts)


STYLE = """
body { font-family: 'DejaVu Sans', sans-serif; margin: 2em auto; max-width: 980px; color: #222; }
h1 { font-size: 1.5em; } h2 { border-bottom: 2px solid #ccc; padding-bottom: .2em; } h2 small { color: #777; font-weight: normal; }
table { border-collapse: collapse; font-size: 0.8em; margin: .5em 0; }
th, td { border: 1px solid #ddd; padding: .2em .5em; text-align: right; } th { background: #f3f3f3; }
td:first-child, th:first-child { text-align: left; }
.wide { overflow-x: auto; } pre { background: #f7f7f7; padding: .5em; font-size: 0.8em; overflow-x: auto; }
figure { margin: 1em 0; } img.figure { max-width: 100%; } figcaption { font-size: 0.8em; color: #555; }
"""

# After load: how many figures the browser decoded, as <body data-figures="LOADED/TOTAL"> and a line at the end.
CHECK = """<script>
window.addEventListener('load', function () {
  var images = Array.prototype.slice.call(document.querySelectorAll('img.figure'));
  var loaded = images.filter(function (img) { return img.complete && img.naturalWidth > 0; }).length;
  document.body.setAttribute('data-figures', loaded + '/' + images.length);
  document.getElementById('figure-check').textContent = loaded + ' of ' + images.length + ' figures loaded.';
});
</script>"""


def main(argv):
    if len(argv) < 3:
        print("usage: report.py OUTPUT.html RESULTS.h5 [RESULTS.h5 ...]", file=sys.stderr)
        return 64
    output, inputs = argv[1], argv[2:]
    start = time.time()
    sections = [section(p) for p in inputs]
    title = "Swarmlab report: " + ", ".join(os.path.basename(p) for p in inputs)
    page = (f"<!DOCTYPE html><html lang=en><head><meta charset=utf-8><title>{esc(title)}</title>"
            f"<style>{STYLE}</style></head><body data-figures=\"pending\"><h1>{esc(title)}</h1>"
            f"<p>Written by <code>swarmlab report</code> with matplotlib {esc(matplotlib.__version__)} "
            f"in {time.time() - start:.1f} s.</p>" + "".join(sections) +
            f"<p id=figure-check></p>{CHECK}</body></html>")
    temporary = output + ".tmp"
    with open(temporary, "w", encoding="utf-8") as out:
        out.write(page)
    os.replace(temporary, output)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
