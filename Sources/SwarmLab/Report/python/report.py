"""Renders Swarmlab results files (HDF5, docs/results-schema.md) as one self-contained HTML page.

Called by `swarmlab report` (Sources/SwarmLab/Report/ReportRenderer.swift), which finds a Python
with h5py, numpy and matplotlib (scripts/python-env) and passes:

    report.py OUTPUT.html RESULTS.h5 [RESULTS.h5 ...]

One section per results file: scenario and provenance; per policy (and sweep point) the summary
with 95% Student-t intervals over replications; latency CDFs; makespan and throughput with error
bars; the timeline of the first run of each policy (every column the file's /timeline holds, and
each elastic pool's size after its scale events with the pools' bills when the run has pools); churn and lost work; energy, cost and carbon; for a sweep, each
metric against each axis per policy; for `swarmlab size`'s file, the search (every candidate, its price and
targets, the answer). Figures are matplotlib PNGs embedded as data: URIs, so the
page needs no network and no other file. A script at the end of the page writes how many figures
the browser decoded into <body data-figures="LOADED/TOTAL"> (the test reads it with Chromium).
"""
import os
import sys
import time

import matplotlib

from results import Results, esc, text
from run_sections import (section_churn, section_footprint, section_latency, section_performance, section_storage,
                          section_provenance, section_summary, section_timeline)
from size_section import is_size, section_size
from sweep_section import section_sweep


def section(path):
    r = Results(path)
    name = text(r.attrs.get("scenario_name", os.path.basename(path)))
    if is_size(r.f):
        # a `swarmlab size` file holds the search, not runs
        parts = [f"<section><h2>{esc(name)} <small>{esc(os.path.basename(path))}</small></h2>",
                 section_provenance(r), section_size(r.f, r.attrs), "</section>"]
        r.f.close()
        return "".join(parts)
    parts = [f"<section><h2>{esc(name)} <small>{esc(os.path.basename(path))}</small></h2>",
             section_provenance(r), section_summary(r)]
    if r.is_sweep:
        parts.append(section_sweep(r))
    parts += [section_performance(r), section_latency(r), section_timeline(r), section_storage(r), section_churn(r), section_footprint(r)]
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
