"""PNG charts of the report's tables, drawn without pyplot so no GUI backend or global state is involved.

Axis labels are English codes: the default fonts have no Chinese glyphs, and a chart with empty boxes
is worse than one in English (the tables carry both languages).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import polars as pl
from matplotlib.axes import Axes
from matplotlib.figure import Figure


def _empty(axes: Axes) -> None:
    axes.text(0.5, 0.5, "no data yet", ha="center", va="center", transform=axes.transAxes)
    axes.set_axis_off()


def _fail_rates(frame: pl.DataFrame, axes: Axes) -> None:
    top = frame.head(20).reverse()
    axes.barh(top["reason"].to_list(), (top["fail_rate"] * 100).to_list())
    axes.set_xlabel("photos failing the check (%)")
    axes.set_title("Automatic review: failures per reason")


def _status_hours(frame: pl.DataFrame, axes: Axes) -> None:
    done = frame.filter(pl.col("stays") > 0).reverse()
    positions = list(range(done.height))
    axes.barh([p + 0.2 for p in positions], done["p90_hours"].to_list(), height=0.4, label="p90")
    axes.barh([p - 0.2 for p in positions], done["median_hours"].to_list(), height=0.4, label="median")
    axes.set_yticks(positions, done["status"].to_list())
    axes.set_xlabel("hours in status")
    axes.set_title("Time spent in each status")
    axes.legend()


def _throughput(frame: pl.DataFrame, axes: Axes) -> None:
    totals = frame.group_by("reviewer").agg(pl.col("approved", "rejected").sum()).sort("reviewer")
    names = totals["reviewer"].to_list()
    axes.bar(names, totals["approved"].to_list(), label="approved")
    axes.bar(names, totals["rejected"].to_list(), bottom=totals["approved"].to_list(), label="rejected")
    axes.set_ylabel("photos decided")
    axes.set_title("Reviewer throughput (all days)")
    axes.legend()


def _scores(frame: pl.DataFrame, axes: Axes) -> None:
    kinds = frame["kind"].unique(maintain_order=True).to_list()
    width = 10 / (len(kinds) + 1)
    for index, kind in enumerate(kinds):
        rows = frame.filter(pl.col("kind") == kind)
        lows = [low + width * (index + 0.5) for low in rows["bin_low"].to_list()]
        axes.bar(lows, rows["scored"].to_list(), width=width, label=kind)
    axes.set_xticks(range(0, 101, 10))
    axes.set_xlabel("similarity score")
    axes.set_ylabel("comparisons")
    axes.set_title("Similarity scores per comparison kind")
    axes.legend()


def _reshoots(frame: pl.DataFrame, axes: Axes) -> None:
    axes.bar(frame["institution_code"].to_list(), (frame["reshoot_rate"] * 100).to_list())
    axes.set_ylabel("records with a reshoot (%)")
    axes.set_title("Reshoot rate per institution")


def _review_sla(frame: pl.DataFrame, axes: Axes) -> None:
    """Two stacked bars per batch: open items by SLA state now, decided items on time or late."""
    batches = frame.reverse()
    labels = [
        f"#{b} {code} {category}"
        for b, code, category in batches.select("batch_id", "institution_code", "category").rows()
    ]
    opened = [p + 0.2 for p in range(batches.height)]
    closed = [p - 0.2 for p in range(batches.height)]
    bottom = [0] * batches.height
    for column, colour, label in (
        ("open_on_time", "tab:green", "open, on time"),
        ("open_due", "tab:orange", "open, due"),
        ("open_overdue", "tab:red", "open, overdue"),
    ):
        values = batches[column].to_list()
        axes.barh(opened, values, height=0.4, left=bottom, color=colour, label=label)
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    on_time = batches["decided_on_time"].to_list()
    axes.barh(closed, on_time, height=0.4, color="tab:green", alpha=0.5, label="decided on time")
    axes.barh(
        closed,
        batches["decided_late"].to_list(),
        height=0.4,
        left=on_time,
        color="tab:red",
        alpha=0.5,
        label="decided late",
    )
    axes.set_yticks(range(batches.height), labels)
    axes.set_xlabel("manual-queue items (upper bar: open now; lower: decided)")
    axes.set_title("Manual review SLA per batch")
    axes.legend()


PLOTS: dict[str, tuple[str, Callable[[pl.DataFrame, Axes], None]]] = {
    "auto_pass_rates": ("auto_fail_rates", _fail_rates),
    "status_durations": ("status_hours", _status_hours),
    "reviewer_throughput": ("reviewer_throughput", _throughput),
    "score_distribution": ("score_distribution", _scores),
    "reshoot_rates": ("reshoot_rates", _reshoots),
    "review_sla": ("review_sla", _review_sla),
}


def write_plots(tables: dict[str, pl.DataFrame], folder: Path) -> list[tuple[str, Path]]:
    """One PNG per table that has a chart, named `<chart>.png`; returns (chart name, path) pairs."""
    written = []
    for table, (name, draw) in PLOTS.items():
        frame = tables.get(table)
        if frame is None:
            continue
        figure = Figure(figsize=(8, 5), layout="constrained")
        axes = figure.add_subplot()
        if frame.is_empty() or (table == "score_distribution" and frame["scored"].sum() == 0):
            _empty(axes)
        else:
            draw(frame, axes)
        path = folder / f"{name}.png"
        figure.savefig(path, format="png", dpi=100)
        written.append((f"{name}_plot", path))
    return written
