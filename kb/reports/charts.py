"""Charts for the Word reports, drawn on the server with matplotlib (no browser, no service).

Each chart is a PNG sized for an A4 page; the numbers stay in a table beside it, so the
document reads the same to a screen reader. Labels come translated by the caller; matplotlib
(3.11+) shapes Arabic and lays it right to left, and a right-to-left chart is mirrored (labels on
the right, bars growing leftwards). Chinese needs a CJK font (``fonts-noto-cjk``), found by
fallback after DejaVu Sans.
"""

from __future__ import annotations

import re
from io import BytesIO

REQUESTS_COLOUR = "#1f5f9f"
PROGRAMMES_COLOUR = "#e08a1e"
#: Latin, Cyrillic and Arabic from DejaVu Sans; Chinese from the first CJK font installed.
FONTS = [
    "DejaVu Sans",
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "WenQuanYi Zen Hei",
    "Droid Sans Fallback",
]


def _pyplot():  # type: ignore[no-untyped-def]
    """matplotlib's pyplot with the file-only Agg backend (imported on first use: it is slow)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import font_manager, pyplot

    installed = {font.name for font in font_manager.fontManager.ttflist}
    pyplot.rcParams["font.family"] = [f for f in FONTS if f in installed] or ["sans-serif"]
    return pyplot


def paired_bars(
    title: str,
    rows: list[tuple[str, int, int]],
    legend: tuple[str, str] = ("Requests", "Programmes"),
    rtl: bool = False,
) -> bytes:
    """Horizontal bars: requests and programmes per label, labels in the given order;
    ``rtl`` mirrors the chart (labels on the right)."""
    plt = _pyplot()
    labels = [label for label, _, _ in rows]
    height = max(1.6, 0.34 * len(rows) + 0.9)
    fig, ax = plt.subplots(figsize=(6.3, height), dpi=150)
    try:
        positions = range(len(rows))
        ax.barh(
            [p - 0.2 for p in positions],
            [r for _, r, _ in rows],
            height=0.4,
            color=REQUESTS_COLOUR,
            label=legend[0],
        )
        ax.barh(
            [p + 0.2 for p in positions],
            [p for _, _, p in rows],
            height=0.4,
            color=PROGRAMMES_COLOUR,
            label=legend[1],
        )
        ax.set_yticks(list(positions), labels=labels, fontsize=8)
        ax.invert_yaxis()
        ax.set_title(title, fontsize=10, loc="right" if rtl else "left")
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.tick_params(axis="x", labelsize=8)
        if rtl:
            ax.invert_xaxis()
            ax.yaxis.tick_right()
            ax.spines[["top", "left"]].set_visible(False)
        else:
            ax.spines[["top", "right"]].set_visible(False)
        ax.legend(fontsize=8, frameon=False, loc="best")
        fig.tight_layout()
        return _png(fig)
    finally:
        plt.close(fig)


def monthly_lines(
    title: str,
    months: list[tuple[str, int, int]],
    legend: tuple[str, str] = ("Requests", "Programmes"),
    rtl: bool = False,
) -> bytes:
    """Requests and programmes created per month (``rtl``: time runs leftwards)."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6.3, 2.4), dpi=150)
    try:
        labels = [m for m, _, _ in months]
        ax.plot(
            labels, [r for _, r, _ in months], marker="o", color=REQUESTS_COLOUR, label=legend[0]
        )
        ax.plot(
            labels,
            [p for _, _, p in months],
            marker="s",
            color=PROGRAMMES_COLOUR,
            label=legend[1],
        )
        ax.set_title(title, fontsize=10, loc="right" if rtl else "left")
        ax.yaxis.get_major_locator().set_params(integer=True)
        ax.tick_params(labelsize=7)
        ax.tick_params(axis="x", rotation=45)
        if rtl:
            ax.invert_xaxis()
            ax.yaxis.tick_right()
            ax.spines[["top", "left"]].set_visible(False)
        else:
            ax.spines[["top", "right"]].set_visible(False)
        ax.legend(fontsize=8, frameon=False)
        fig.tight_layout()
        return _png(fig)
    finally:
        plt.close(fig)


def _png(fig) -> bytes:  # type: ignore[no-untyped-def]
    buffer = BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


#: The map's classes: none, then four shades (the page's colours, ``static/site.css``).
MAP_COLOURS = {
    "unmet": ("#d5dbe5", "#fdd0a2", "#fd8d3c", "#d94801", "#7f2704"),
    "other": ("#d5dbe5", "#c6dbef", "#6baed6", "#2171b5", "#08306b"),
}
MAP_LAND = "#e6e9ef"


def _rings(path: str) -> list[list[tuple[float, float]]]:
    """The rings of a map path (``M x y l dx dy … z``, tenths of a unit) in map units."""
    rings = []
    for part in path.split("M")[1:]:
        head, _, rest = part.rstrip("z").partition("l")
        numbers = [int(n) for n in re.findall(r"-?\d+", head + " " + rest)]
        x, y = numbers[0], numbers[1]
        ring = [(x / 10, y / 10)]
        for i in range(2, len(numbers) - 1, 2):
            x, y = x + numbers[i], y + numbers[i + 1]
            ring.append((x / 10, y / 10))
        rings.append(ring)
    return rings


def world_map(
    title: str,
    size: tuple[float, float],
    shaded: list[tuple[str, int]],
    points: list[tuple[tuple[float, float], int]],
    plain: list[str],
    measure: str,
    legend: list[tuple[int, str]],
) -> bytes:
    """The page's world map as a PNG: ``shaded`` (path, class 0-4) outlines, ``points`` (small
    states) and ``plain`` unshaded land, with the legend of the classes."""
    from matplotlib.collections import PolyCollection
    from matplotlib.patches import Patch

    plt = _pyplot()
    colours = MAP_COLOURS["unmet" if measure == "unmet" else "other"]
    width, height = size
    fig, ax = plt.subplots(figsize=(6.3, 6.3 * height / width + 0.5), dpi=150)
    try:
        plain_rings = [ring for path in plain for ring in _rings(path)]
        ax.add_collection(PolyCollection(plain_rings, facecolors=MAP_LAND, edgecolors="white",
                                         linewidths=0.2))  # fmt: skip
        rings, faces = [], []
        for path, bucket in shaded:
            for ring in _rings(path):
                rings.append(ring)
                faces.append(colours[bucket])
        ax.add_collection(PolyCollection(rings, facecolors=faces, edgecolors="white",
                                         linewidths=0.3))  # fmt: skip
        if points:
            ax.scatter([p[0][0] for p in points], [p[0][1] for p in points], s=6,
                       c=[colours[b] for _, b in points], edgecolors="#5b6475", linewidths=0.3,
                       zorder=3)  # fmt: skip
        ax.set_xlim(0, width)
        ax.set_ylim(height, 0)
        ax.set_aspect("equal")
        ax.axis("off")
        ax.set_title(title, fontsize=10, loc="left")
        handles = [Patch(facecolor=colours[b], edgecolor="#999", label=text) for b, text in legend]
        ax.legend(handles=handles, fontsize=7, frameon=False, loc="lower left", ncol=len(handles))
        fig.tight_layout()
        return _png(fig)
    finally:
        plt.close(fig)
