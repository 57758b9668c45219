"""Benchmark report: one Markdown page with charts from the benches' JSON.

Run from the repository root after the benches (``make bench`` does both)::

    .venv/bin/python tests/bench/report.py [--dir bench-output] [--machine TEXT]

Reads what the benches wrote into ``--dir`` (``sync-10k.json``,
``sync-100k.json``, ``sync-1m.json``, ``sign.json``, ``officer-1m.json``;
whichever exist) and
writes ``report.md`` beside them, with ``figures.png`` (every figure beside
its baseline from the same run and its target) and ``sync-scaling.png``
(sync throughput against the size of the office).  A figure whose bench did
not run is listed as "not run", never left out silently.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
SIZES = (("10k", 10_000), ("100k", 100_000), ("1m", 1_000_000))


def load(directory, name):
    path = directory / name
    if not path.exists():
        return None
    return json.loads(path.read_text())


class Row:
    """One line of the table: a figure, its baseline, its target."""

    def __init__(self, name, value, unit, baseline, target, ok, note=""):
        self.name, self.value, self.unit = name, value, unit
        self.baseline, self.target, self.ok, self.note = baseline, target, ok, note

    def cells(self):
        value = "not run" if self.value is None else f"{self.value:g} {self.unit}"
        status = "-" if self.ok is None else ("OK" if self.ok else "MISSED")
        return [self.name, value, self.baseline or "-", self.target, status, self.note]


def sync_rows(figures, label):
    if not figures:
        return [Row(f"sync {label}: initial sync", None, "", "", "", None)]
    rows = [
        Row(
            f"sync {label}: initial sync",
            figures["source_rows_per_s"],
            "rows/s",
            f"raw SELECT+COPY {figures['baseline_rows_per_s']:g} rows/s",
            ">= 0.6 x baseline",
            figures["ratio_vs_baseline"] >= 0.6,
            f"ratio {figures['ratio_vs_baseline']}, {figures['sync_s']} s",
        ),
        Row(
            f"sync {label}: no-change cycle",
            figures["no_change_ms"],
            "ms",
            "",
            "<= 50 ms",
            figures["no_change_ms"] <= 50,
        ),
        Row(
            f"sync {label}: peak RSS growth",
            figures["peak_rss_growth_mb"],
            "MB",
            "",
            "< 300 MB",
            figures["peak_rss_growth_mb"] < 300,
        ),
    ]
    if "after_1000_s" in figures:
        rows.append(
            Row(
                f"sync {label}: {figures['mutated_applications']} changed apps",
                figures["after_1000_s"],
                "s",
                "",
                "<= 1 s",
                figures["after_1000_s"] <= 1.0,
            )
        )
    if "recheck_s" in figures:
        rows.append(
            Row(
                f"sync {label}: nightly re-check",
                figures["recheck_s"],
                "s",
                "",
                "<= 600 s",
                figures["recheck_s"] <= 600,
            )
        )
    for key, title in (("dashboard_ms", "dashboard"), ("permit_list_ms", "list")):
        if key in figures:
            rows.append(
                Row(
                    f"sync {label}: officer {title} (server)",
                    figures[key],
                    "ms",
                    "",
                    "<= 1000 ms",
                    figures[key] <= 1000,
                )
            )
    return rows


def officer_rows(figures):
    """The officer's dashboard and lists at a million permits: server time
    with the counters and indexes, beside the same call without them."""
    if not figures:
        return [Row("officer dashboard / list at 1m", None, "", "", "<= 1 s", None)]
    rows = []
    for name, after in figures["after"].items():
        before = figures.get("before", {}).get(name)
        worst = max(after["median_s"], after["first_s"])
        rows.append(
            Row(
                f"officer {name.replace('_', ' ')} ({figures['permits']:,} permits)",
                after["median_s"],
                "s",
                f"without counters/indexes {before['median_s']:g} s" if before else "",
                "<= 1 s server time",
                worst <= 1.0,
                f"first call {after['first_s']:g} s",
            )
        )
    return rows


def build_rows(data):
    rows = []
    for label, _size in SIZES:
        if label == "10k" and not data.get(label):
            continue
        rows += sync_rows(data.get(label), label)
    small, big = data.get("100k"), data.get("1m")
    if small and big:
        ratio = big["source_rows_per_s"] / small["source_rows_per_s"]
        rows.append(
            Row(
                "sync 1m vs 100k throughput",
                round(ratio, 3),
                "x",
                f"100k run {small['source_rows_per_s']:g} rows/s",
                ">= 0.85 x",
                ratio >= 0.85,
            )
        )
    sign = data.get("sign") or {}
    signing = sign.get("signing")
    if signing:
        rows.append(
            Row(
                f"batch signing {signing['documents']} docs "
                f"@ {signing['latency_ms']} ms",
                signing["batch_s"],
                "s",
                f"one call per doc {signing['serial_s']} s",
                f"<= {signing['target_s']:g} s, each once",
                signing["ok"],
                f"signed {signing['batch_signed']}, sandbox log "
                f"{signing['sandbox_signed']}",
            )
        )
    else:
        rows.append(Row("batch signing", None, "", "", "<= 1 s", None))
    page = sign.get("page")
    if page:
        p, h = page["page"], page["health"]
        rows += [
            Row(
                f"/verify p95 @ {page['clients']} clients",
                p["p95_ms"],
                "ms",
                f"/web/health {h['p95_ms']} ms",
                "<= 1.2 x baseline",
                page["p95_ratio"] <= 1.2,
                f"ratio {page['p95_ratio']}",
            ),
            Row(
                "/verify throughput",
                p["req_per_s"],
                "req/s",
                f"/web/health {h['req_per_s']} req/s",
                ">= 0.8 x baseline",
                page["throughput_ratio"] >= 0.8,
                f"ratio {page['throughput_ratio']}",
            ),
            Row(
                "/verify first 1,000 requests p95",
                p["cold_p95_ms"],
                "ms",
                f"steady state {p['p95_ms']} ms",
                "<= 2 x steady",
                page["cold_ratio"] <= 2.0,
                f"ratio {page['cold_ratio']}",
            ),
        ]
    else:
        rows.append(Row("/verify vs /web/health", None, "", "", "", None))
    rows += officer_rows(data.get("officer"))
    return rows


def chart_figures(data, path):
    """Each figure normalised to its target: a bar below 1.0 meets it."""
    bars = []
    for label, _size in SIZES:
        sync = data.get(label)
        if sync:
            speed = max(sync["ratio_vs_baseline"], 1e-9)
            bars.append((f"sync {label}: 0.6 x raw / sync speed", 0.6 / speed))
            bars.append((f"sync {label}: no-change / 50 ms", sync["no_change_ms"] / 50))
            if "after_1000_s" in sync:
                bars.append(
                    (f"sync {label}: 1,000 changed / 1 s", sync["after_1000_s"])
                )
    sign = data.get("sign") or {}
    if sign.get("signing"):
        s = sign["signing"]
        bars.append(("batch signing / 1 s", s["batch_s"] / s["target_s"]))
    if sign.get("page"):
        p = sign["page"]
        bars.append(("/verify p95 / (1.2 x health)", p["p95_ratio"] / 1.2))
        throughput = max(p["throughput_ratio"], 1e-9)
        bars.append(("(0.8 x health) / /verify req/s", 0.8 / throughput))
        bars.append(("/verify cold p95 / (2 x steady)", p["cold_ratio"] / 2.0))
    officer = data.get("officer")
    for name, after in (officer or {}).get("after", {}).items():
        worst = max(after["median_s"], after["first_s"])
        bars.append((f"officer {name.replace('_', ' ')} / 1 s", worst))
    if not bars:
        return False
    fig, ax = plt.subplots(figsize=(9, 0.45 * len(bars) + 1.5))
    names = [b[0] for b in bars]
    values = [b[1] for b in bars]
    colors = ["#2e7d32" if v <= 1 else "#c62828" for v in values]
    ax.barh(names, values, color=colors)
    ax.axvline(1.0, color="black", linestyle="--", linewidth=1, label="target")
    ax.invert_yaxis()
    ax.set_xlabel("share of the target's budget (figure vs its baseline; < 1 meets)")
    ax.set_title("Every figure against its baseline and target (same run)")
    for y, value in enumerate(values):
        ax.text(value, y, f" {value:.2f}", va="center", fontsize=8)
    ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def chart_scaling(data, path):
    points = [(size, data[label]) for label, size in SIZES if data.get(label)]
    if not points:
        return False
    fig, ax = plt.subplots(figsize=(7, 4))
    xs = [p[0] for p in points]
    ax.plot(
        xs, [p[1]["source_rows_per_s"] for p in points], "o-", label="sync (rows/s)"
    )
    ax.plot(
        xs,
        [p[1]["baseline_rows_per_s"] for p in points],
        "s--",
        label="raw SELECT + COPY (rows/s)",
    )
    ax.plot(
        xs,
        [0.6 * p[1]["baseline_rows_per_s"] for p in points],
        ":",
        color="grey",
        label="target: 0.6 x raw",
    )
    ax.set_xscale("log")
    ax.set_xticks(xs, [f"{x:,}" for x in xs])
    ax.set_xlabel("permits in SICANTIK")
    ax.set_ylabel("source rows per second")
    ax.set_title("Initial sync throughput against size")
    ax.set_ylim(bottom=0)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def machine_text(note):
    load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    return (
        f"{platform.node()}: {os.cpu_count()} cores, {platform.machine()}, "
        f"Python {platform.python_version()}; load average at report time "
        f"{load}" + (f"; {note}" if note else "")
    )


def write_report(directory, note=""):
    data = {label: load(directory, f"sync-{label}.json") for label, _s in SIZES}
    data["sign"] = load(directory, "sign.json")
    data["officer"] = load(directory, "officer-1m.json")
    rows = build_rows(data)
    lines = [
        "# SICANTIK Companion benchmark report",
        "",
        f"Generated {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC on "
        f"{machine_text(note)}.",
        "",
        "Every figure is printed beside its baseline measured in the same run; "
        "on a shared machine absolute figures are noisy, ratios are what the "
        "targets are about.",
        "",
        "| figure | measured | baseline (same run) | target | status | note |",
        "|---|---|---|---|---|---|",
    ]
    lines += ["| " + " | ".join(str(c) for c in row.cells()) + " |" for row in rows]
    lines.append("")
    if chart_figures(data, directory / "figures.png"):
        lines += ["![figures against targets](figures.png)", ""]
    if chart_scaling(data, directory / "sync-scaling.png"):
        lines += ["![sync throughput against size](sync-scaling.png)", ""]
    missing = [label for label, _s in SIZES if not data.get(label)]
    if missing:
        lines.append(
            "Sizes not run: "
            + ", ".join(missing)
            + " (`make bench` runs 10k and 100k; `make bench-province`, 1m)."
        )
    report = directory / "report.md"
    report.write_text("\n".join(lines) + "\n")
    return report, rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", default=str(ROOT / "bench-output"))
    parser.add_argument(
        "--machine", default="", help="what else to say about the machine"
    )
    args = parser.parse_args()
    directory = Path(args.dir)
    directory.mkdir(parents=True, exist_ok=True)
    report, _rows = write_report(directory, args.machine)
    print(report.read_text())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
