"""A sweep's section of the page: each metric against each axis of the sweep, one line per policy."""
import math

import numpy as np
import matplotlib.pyplot as plt

from results import esc, figure_html, number, parse_point  # noqa: F401

SWEEP_METRICS = [("makespan", "makespan (s)"), ("throughput", "throughput (tasks/s)"),
                 ("latency_p95", "latency p95 (s)"), ("tasks_done", "tasks done"),
                 ("wasted_work", "wasted work (s)"), ("utilisation", "utilisation"),
                 ("energy", "energy (J)"), ("cloud_cost", "cloud cost (USD)"), ("carbon", "carbon (g CO₂)")]


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
