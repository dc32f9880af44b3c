"""The sections of one results file's part of the page (docs/report.md): provenance, summary,
makespan and throughput, latency, timeline with elastic pools, churn, energy, cost and carbon."""
import math

import numpy as np
import matplotlib
import matplotlib.pyplot as plt
import matplotlib.ticker

from results import T95, esc, figure_html, fmt, mean_ci, table_html, text  # noqa: F401

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


def spread(items, n):
    """At most n of items, evenly spaced, first and last included."""
    if len(items) <= n:
        return list(items)
    return [items[round(i * (len(items) - 1) / (n - 1))] for i in range(n)]


def section_latency(r):
    """Latency CDFs: a run's file, one panel per job; a sweep's, one panel per point (up to four, jobs pooled)."""
    panels = {}  # (point, job or None) -> policy -> [latencies]
    kinds = {}
    points = spread(r.points, 4) if r.is_sweep else [None]
    for point in points:
        for policy in r.policies:
            for run in r.runs_of(policy, point):
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
                for job in ([None] if r.is_sweep else np.unique(t["job"])):
                    mine = t if job is None else t[t["job"] == job]
                    key = (point, None if job is None else int(job))
                    panels.setdefault(key, {}).setdefault(policy, []).append(mine["end"] - mine["arrival"])
    if not panels:
        return "<h3>Latency</h3><p>No accepted task.</p>"
    shown = sorted(panels, key=lambda k: (points.index(k[0]), k[1] or 0))[:4]
    fig, axes = plt.subplots(1, len(shown), figsize=(9, 3.2), squeeze=False)
    for ax, key in zip(axes[0], shown):
        for i, policy in enumerate(r.policies):
            latency = np.concatenate(panels[key].get(policy, [np.array([])]))
            latency = np.sort(latency[np.isfinite(latency)])
            if len(latency) == 0:
                continue
            q = np.linspace(0, 1, min(len(latency), 2000))
            ax.step(np.quantile(latency, q), q, where="post", label=policy, color=f"C{i}")
        point, job = key
        title = point if r.is_sweep else f"job {job}" + (f": {kinds[job]}" if job in kinds else "")
        ax.set(xlabel="latency (s)", ylabel="fraction of tasks", title=title)
        ax.title.set_fontsize(8 if r.is_sweep else 9)
        if ax.get_lines() and min(line.get_xdata().min() for line in ax.get_lines()) > 0:
            ax.set_xscale("log")
            ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    axes[0][0].legend()
    caption = ("Latency CDF (finish − arrival of accepted tasks) per policy, all replications pooled: " +
               ("one panel per sweep point, jobs pooled." if r.is_sweep else "one panel per job."))
    more = f"<p>{len(panels) - len(shown)} more job(s) not drawn.</p>" if len(panels) > len(shown) else ""
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


def elastic_events(r, run):
    """The run's elastic-pool scale events (`/<run>/elastic`, when it has pools): a record array and the pool names."""
    if f"{run}/elastic" not in r.f:
        return None, []
    ds = r.f[f"{run}/elastic"]
    return ds[:], [text(x) for x in ds.attrs.get("pool_names", [])]


def section_timeline(r):
    point = r.points[0] if r.is_sweep else None
    series = {}
    elastic = {}
    for policy in r.policies:
        runs = r.runs_of(policy, point)
        if not runs or f"{runs[0]}/timeline" not in r.f:
            continue
        tl = r.f[f"{runs[0]}/timeline"][:]
        if len(tl) == 0:
            continue
        series[policy] = tl
        events, pools = elastic_events(r, runs[0])
        if events is not None and len(events) > 0:
            elastic[policy] = (events, pools)
    if not series:
        return "<h3>Timeline</h3><p>No timeline in this file.</p>"
    columns = [c for c in next(iter(series.values())).dtype.names if c != "time"]
    panels = columns + (["elastic pool size"] if elastic else [])
    rows = math.ceil(len(panels) / 2)
    fig, axes = plt.subplots(rows, 2, figsize=(9, 2.3 * rows), sharex=True, squeeze=False)
    end = max(float(tl["time"][-1]) for tl in series.values())
    hours = end > 3 * 3600
    scale = 1 / 3600 if hours else 1
    for ax, column in zip(axes.flat, panels):
        for i, (policy, tl) in enumerate(series.items()):
            if column == "elastic pool size":
                if policy not in elastic:
                    continue
                events, pools = elastic[policy]
                for k in np.unique(events["pool"]):
                    mine = events[events["pool"] == k]
                    name = pools[int(k)] if int(k) < len(pools) else f"pool {k}"
                    times = np.concatenate([[0.0], mine["time"], [end]]) * scale
                    sizes = np.concatenate([[0], mine["size"], [mine["size"][-1]]])
                    ax.step(times, sizes, where="post", color=f"C{i}", linestyle=["-", "--", ":", "-."][int(k) % 4],
                            linewidth=1, label=f"{policy}: {name}")
                ax.legend(fontsize=7)
                continue
            ax.plot(tl["time"] * scale, tl[column], label=policy, linewidth=1, color=f"C{i}",
                    marker="." if len(tl) < 30 else None)
        ax.set(ylabel=column if column != "elastic pool size" else "pool size")
    for ax in axes.flat[len(panels):]:
        ax.set_visible(False)
    for ax in axes[-1]:
        ax.set(xlabel="simulated time (h)" if hours else "simulated time (s)")
    axes[0][0].legend()
    caption = ("The first run of each policy" + (f" at sweep point {point}" if point else "") + ": every column of /timeline" +
               ("; the size of each elastic pool (booting + up) after each of its scale events (/elastic)" if elastic else "") + ".")
    return "<h3>Timeline</h3>" + figure_html(fig, caption) + pools_table(r, point)


def section_storage(r):
    """Objects stored on the devices (`/<run>/storage_timeline`, `/<run>/objects`, runs with `storage`): readable share over
    time, and a table of objects lost and end state per kind."""
    point = r.points[0] if r.is_sweep else None
    runs = [(p, r.runs_of(p, point)) for p in r.policies]
    runs = [(p, rs[0]) for p, rs in runs if rs and f"{rs[0]}/storage_timeline" in r.f]
    if not runs:
        return ""
    policy, run = runs[0]  # storage does not depend on the scheduling policy
    tl = r.f[f"{run}/storage_timeline"][:]
    fig, axes = plt.subplots(1, 3, figsize=(10, 2.6))
    hours = tl["time"] / 3600
    axes[0].plot(hours, 100 * tl["available_fraction"], marker="." if len(tl) < 30 else None)
    axes[0].set(ylabel="objects readable (%)", xlabel="simulated time (h)")
    axes[1].plot(hours, tl["objects_lost"])
    axes[1].set(ylabel="objects lost", xlabel="simulated time (h)")
    axes[2].plot(hours, tl["repair_bytes"] / 1e9)
    axes[2].set(ylabel="repair traffic (GB)", xlabel="simulated time (h)")
    fig.tight_layout()
    rows = []
    if f"{run}/objects" in r.f:
        ds = r.f[f"{run}/objects"]
        names = [text(x) for x in ds.attrs.get("kind_names", [])]
        objs = ds[:]
        for k in np.unique(objs["kind"]):
            mine = objs[objs["kind"] == k]
            rows.append([names[int(k)] if int(k) < len(names) else k, len(mine), int(mine["available"].sum()),
                         int(mine["lost"].sum()), int(mine["min_live_pieces"].min()), int(mine["min_present_pieces"].min())])
    table = table_html(["kind", "objects", "readable at the end", "lost", "fewest live pieces", "fewest present pieces"], rows) if rows else ""
    return ("<h3>Storage on the devices</h3>" + figure_html(fig, "/storage_timeline of the first run: the share of objects readable (every segment with ≥ K live pieces), "
            "objects lost (a segment below K present pieces) and repair bytes read + written so far (docs/models/storage.md).") + table)


def pools_table(r, point):
    """Per policy and elastic pool (`/<run>/pools` of its first run): peak size, scale events, hours and bill."""
    rows = []
    for policy in r.policies:
        runs = r.runs_of(policy, point)
        if not runs or f"{runs[0]}/pools" not in r.f:
            continue
        ds = r.f[f"{runs[0]}/pools"]
        names = [text(x) for x in ds.attrs.get("pool_names", [])]
        for row in ds[:]:
            get = lambda k: row[k] if k in row.dtype.names else math.nan  # noqa: E731
            k = int(get("pool"))
            rows.append([policy, names[k] if k < len(names) else k, get("min"), get("max"), get("peak"), get("scale_ups"),
                         get("scale_downs"), fmt(float(get("provisioned_hours"))), fmt(float(get("billed_hours"))),
                         fmt(float(get("cost")))])
    if not rows:
        return ""
    header = ["policy", "pool", "min", "max", "peak", "scale-ups", "scale-downs", "provisioned (h)", "billed (h)", "cost (USD)"]
    return "<p>Elastic pools (/pools, first run of each policy):</p>" + table_html(header, rows)


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
