"""The report's charts as PNG pictures, drawn by matplotlib without a display (the Agg backend).

Pictures are the same bytes for the same figures (no date or software stamp in the file), and every
label is written the Vietnamese way (87,69%). DejaVu Sans, which matplotlib ships, has every
Vietnamese letter.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from decimal import Decimal

import matplotlib

matplotlib.use("Agg")
from matplotlib import pyplot as plt  # noqa: E402 (the backend is chosen before pyplot loads)
from matplotlib.figure import Figure  # noqa: E402

from reports.dashboards.distributions import LevelTable  # noqa: E402
from units.formatting import number_vi, percent_vi  # noqa: E402

WIDTH_INCHES = 6.3  # 16 cm: the text width of an A4 page with the decree's margins
BAR = "#1f5f99"
BELOW = "#b8462e"
TARGET = "#333333"
# Five levels from "rất không hài lòng" (red) to "rất hài lòng" (dark blue); other scales take the first ones.
LEVEL_COLOURS = ["#c0392b", "#e67e22", "#bdbdbd", "#5dade2", "#1f5f99", "#7d3c98", "#117a65", "#7f8c8d", "#d4ac0d", "#2e4053"]


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=150, bbox_inches="tight", metadata={"Software": None})
    plt.close(figure)
    return buffer.getvalue()


def _short(text: str, limit: int = 48) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def bars_chart(items: Sequence[tuple[str, Decimal | None]], *, target: Decimal | None, title: str = "") -> bytes:
    """Horizontal bars of percentages (top item first), the target as a dashed line; bars under it in red."""
    shown = [(label, value) for label, value in items if value is not None]
    height = 0.9 + 0.38 * max(len(shown), 1)
    figure, axes = plt.subplots(figsize=(WIDTH_INCHES, height))
    labels = [_short(label) for label, _value in shown][::-1]
    values = [float(value) for _label, value in shown][::-1]
    colours = [BELOW if target is not None and value < float(target) else BAR for value in values]
    axes.barh(range(len(values)), values, color=colours, height=0.6)
    axes.set_yticks(range(len(values)), labels, fontsize=8)
    axes.set_xlim(0, 100)
    axes.xaxis.set_major_formatter(lambda x, _pos: f"{number_vi(x)}%")
    axes.tick_params(axis="x", labelsize=8)
    for index, value in enumerate(values):
        axes.text(min(value + 1, 88), index, percent_vi(value), va="center", fontsize=7.5)
    if target is not None:
        axes.axvline(float(target), color=TARGET, linestyle="--", linewidth=1, label=f"Chỉ tiêu {percent_vi(target)}")
        axes.legend(loc="upper left", bbox_to_anchor=(0, -0.08 - 0.5 / height), fontsize=7.5, frameon=False)
    if title:
        axes.set_title(title, fontsize=10)
    axes.spines[["top", "right"]].set_visible(False)
    return _png(figure)


def distribution_chart(table: LevelTable, *, title: str = "") -> bytes:
    """One stacked bar of 100% per question (its shares by level), the levels in the legend."""
    rows = [row for row in table.rows if row.n and not row.multi]
    height = 1.3 + 0.36 * max(len(rows), 1)
    figure, axes = plt.subplots(figsize=(WIDTH_INCHES, height))
    names = [row.question.code for row in rows][::-1]
    left = [0.0] * len(rows)
    for position, (level, label) in enumerate(table.labels):
        shares = [float(next((share or 0 for lvl, _l, _c, share in row.levels if lvl == level), 0)) for row in rows][::-1]
        colour = LEVEL_COLOURS[position % len(LEVEL_COLOURS)] if len(table.labels) != 4 else LEVEL_COLOURS[1 + position]
        axes.barh(range(len(rows)), shares, left=left, color=colour, height=0.6, label=_short(label, 24))
        for index, share in enumerate(shares):
            if share >= 8:
                axes.text(
                    left[index] + share / 2,
                    index,
                    number_vi(share, 1),
                    ha="center",
                    va="center",
                    fontsize=6.5,
                    color="white" if position in (0, len(table.labels) - 1) else "black",
                )
        left = [a + b for a, b in zip(left, shares, strict=True)]
    axes.set_yticks(range(len(rows)), names, fontsize=8)
    axes.set_xlim(0, 100)
    axes.xaxis.set_major_formatter(lambda x, _pos: f"{number_vi(x)}%")
    axes.tick_params(axis="x", labelsize=8)
    axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.08 - 0.5 / height), ncol=min(len(table.labels), 5), fontsize=7, frameon=False)
    if title:
        axes.set_title(title, fontsize=10)
    axes.spines[["top", "right"]].set_visible(False)
    return _png(figure)
