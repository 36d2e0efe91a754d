"""Charts for the Word reports, drawn on the server with matplotlib (no browser, no service).

Each chart is a PNG sized for an A4 page; the numbers stay in a table beside it, so the
document reads the same to a screen reader. Labels come translated by the caller; matplotlib
(3.11+) shapes Arabic and lays it right to left, and a right-to-left chart is mirrored (labels on
the right, bars growing leftwards). Chinese needs a CJK font (``fonts-noto-cjk``), found by
fallback after DejaVu Sans.
"""

from __future__ import annotations

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
