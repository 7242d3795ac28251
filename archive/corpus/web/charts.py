"""Inline SVG charts for the corpus page: no JavaScript, no build step, readable without styles."""

from __future__ import annotations

from html import escape


def bar_chart(title: str, bars: list[tuple[str, int]], width: int = 640, bar_height: int = 18) -> str:
    """A horizontal bar chart, one labelled bar per (label, value), the value printed at the bar's end."""
    if not bars:
        return f'<p class="empty">{escape(title)}: nothing to chart yet.</p>'
    top = max(value for _, value in bars) or 1
    label_width, gap = 150, 4
    height = len(bars) * (bar_height + gap) + 24
    rows = []
    for i, (label, value) in enumerate(bars):
        y = 24 + i * (bar_height + gap)
        length = round((width - label_width - 60) * value / top)
        rows.append(
            f'<text x="{label_width - 6}" y="{y + bar_height - 5}" text-anchor="end">{escape(str(label))}</text>'
            f'<rect x="{label_width}" y="{y}" width="{length}" height="{bar_height}" class="bar"><title>'
            f'{escape(str(label))}: {value}</title></rect>'
            f'<text x="{label_width + length + 4}" y="{y + bar_height - 5}">{value}</text>')
    return (f'<svg role="img" aria-label="{escape(title)}" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" class="chart"><text x="0" y="14" class="title">{escape(title)}</text>'
            + "".join(rows) + "</svg>")


def grid_chart(title: str, rows: list[str], columns: list[str], counts: dict[tuple[str, str], int]) -> str:
    """A heat grid (rows × columns, e.g. provinces × years), each cell shaded by its count and labelled with it."""
    if not rows or not columns:
        return f'<p class="empty">{escape(title)}: nothing to chart yet.</p>'
    cell, label_width = 34, 110
    top = max(counts.values()) or 1
    width, height = label_width + cell * len(columns) + 10, 40 + cell * len(rows)
    parts = [f'<text x="0" y="14" class="title">{escape(title)}</text>']
    for j, column in enumerate(columns):
        parts.append(f'<text x="{label_width + j * cell + cell / 2}" y="34" text-anchor="middle" class="small">'
                     f'{escape(str(column))[-2:]}</text>')
    for i, row in enumerate(rows):
        y = 40 + i * cell
        parts.append(f'<text x="{label_width - 6}" y="{y + cell / 2 + 4}" text-anchor="end">{escape(row)}</text>')
        for j, column in enumerate(columns):
            n = counts.get((row, column), 0)
            shade = 0.08 + 0.92 * n / top if n else 0
            parts.append(f'<rect x="{label_width + j * cell}" y="{y}" width="{cell - 2}" height="{cell - 2}" '
                         f'class="cell" fill-opacity="{shade:.2f}"><title>{escape(row)} {column}: {n}</title></rect>')
            if n:
                parts.append(f'<text x="{label_width + j * cell + cell / 2 - 1}" y="{y + cell / 2 + 3}" '
                             f'text-anchor="middle" class="small">{n}</text>')
    return (f'<svg role="img" aria-label="{escape(title)}" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" class="chart">' + "".join(parts) + "</svg>")


def sparkline(values: list[int | None], width: int = 120, height: int = 22) -> str:
    """Items per run as a small line, the last run rightmost; a flat zero line when a site yields nothing.

    A run with no figure for the site (None: it was not crawled, or failed) leaves no point.
    """
    if not values:
        return ""
    top = max((v for v in values if v is not None), default=0) or 1
    step = width / max(1, len(values) - 1)
    points = " ".join(f"{i * step:.1f},{height - 2 - (height - 4) * v / top:.1f}"
                      for i, v in enumerate(values) if v is not None)
    return (f'<svg width="{width}" height="{height}" class="spark" role="img" aria-label="items per run: '
            f'{", ".join("–" if v is None else str(v) for v in values)}"><polyline points="{points}" fill="none"/></svg>')
