"""The search of `swarmlab size` (its results file: /size_candidates, /size_runs; docs/sizing.md):
every candidate tried, in search order, with its price, each target's mean and interval and whether
it was met, and a figure of each target against the candidates' price — the answer marked."""
import math

import numpy as np

from results import esc, figure_html, fmt, plt, text


def is_size(f):
    return "size_candidates" in f


def section_size(f, attrs):
    c = f["size_candidates"][:]
    names = c.dtype.names
    axes = [line.split(":", 1)[1].strip() for line in text(attrs.get("size_axes", "")).splitlines() if ":" in line]
    targets = [n[:-5] for n in names if n.endswith("_mean")]
    answer = text(attrs.get("size_answer", "none"))
    confidence = float(attrs.get("size_confidence", 0.95))
    parts = [f"<h3>The sizing search</h3><p>Answer: <b>{esc(answer)}</b> — the cheapest candidate whose "
             f"{confidence:.0%} interval of every target lies on the target's side; policy "
             f"<code>{esc(attrs.get('size_policy', ''))}</code>, {len(c)} candidates in the order tried.</p>"]
    head = "".join(f"<th>{esc(a)}</th>" for a in axes) + "<th>price ($/h)</th><th>runs</th>"
    head += "".join(f"<th>{esc(t)}</th>" for t in targets) + "<th>all met</th>"
    rows = []
    for row in c:
        cells = "".join(f"<td>{int(row[f'axis_{k}'])}</td>" for k in range(len(axes)))
        cells += f"<td>{fmt(float(row['price']))}</td><td>{int(row['replications'])}</td>"
        for t in targets:
            mark = "✓" if row[f"{t}_met"] > 0 else "✗"
            cells += f"<td>{fmt(float(row[f'{t}_mean']), float(row[f'{t}_ci']))} {mark}</td>"
        cells += f"<td>{'yes' if row['met'] > 0 else 'no'}</td>"
        rows.append(f"<tr>{cells}</tr>")
    parts.append(f"<div class=wide><table><tr>{head}</tr>{''.join(rows)}</table></div>")
    if targets:
        fig, axs = plt.subplots(1, len(targets), figsize=(3.2 * len(targets), 3.0), squeeze=False)
        met = c["met"] > 0
        price = c["price"]
        for ax, t in zip(axs[0], targets):
            y, e = c[f"{t}_mean"], np.nan_to_num(c[f"{t}_ci"])
            ax.errorbar(price[~met], y[~met], yerr=e[~met], fmt="x", color="#c44", label="not all met")
            ax.errorbar(price[met], y[met], yerr=e[met], fmt="o", color="#285", label="all met")
            if answer != "none" and met.any():
                best = int(np.argmin(np.where(met, price, math.inf)))
                ax.scatter([price[best]], [y[best]], s=160, facecolors="none", edgecolors="black", label="answer")
            ax.set_xlabel("price ($/h)")
            ax.set_title(t)
        axs[0][0].legend(fontsize=7)
        fig.tight_layout()
        parts.append(figure_html(fig, "Each target's mean and interval per candidate, against the candidate's price."))
    return "".join(parts)
