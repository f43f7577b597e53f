"""Line charts as inline SVG, drawn on the server: no script, no library, nothing fetched.
Every label is escaped (model and key names come from clients)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape

WIDTH, HEIGHT = 540, 180
LEFT, RIGHT, TOP, BOTTOM = 64, 8, 20, 24
COLOURS = ("#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2", "#64748b")

Line = tuple[str, Sequence[float | None]]
"""A label and one value per x (None: no data there, a gap in the line)."""


def line_chart(
    title: str,
    x_labels: Sequence[str],
    lines: Sequence[Line],
    fmt: Callable[[float], str],
    chart_id: str,
) -> str:
    values = [v for _, vs in lines for v in vs if v is not None]
    top = max(values, default=0.0) or 1.0
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / max(len(x_labels) - 1, 1)

    def x(i: int) -> float:
        return LEFT + i * step

    def y(v: float) -> float:
        return TOP + plot_h * (1 - v / top)

    parts = [
        f'<svg class="chart" id="{escape(chart_id)}" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" role="img" aria-label="{escape(title)}">',
        f'<text x="{LEFT}" y="13" font-size="12" font-weight="bold">{escape(title)}</text>',
    ]
    for frac in (0.0, 0.5, 1.0):
        gy = y(top * frac)
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{gy:.1f}" y2="{gy:.1f}" stroke="#e5e7eb"/>'
            f'<text x="{LEFT - 4}" y="{gy + 4:.1f}" font-size="10" text-anchor="end">'
            f"{escape(fmt(top * frac))}</text>"
        )
    last = len(x_labels) - 1
    for i in sorted({0, last // 2, last}):
        if 0 <= i <= last:
            anchor = "start" if i == 0 and last else "end" if i == last and last else "middle"
            parts.append(
                f'<text x="{x(i):.1f}" y="{HEIGHT - 6}" font-size="10" text-anchor="{anchor}">'
                f"{escape(x_labels[i])}</text>"
            )
    for n, (label, series) in enumerate(lines):
        colour = COLOURS[n % len(COLOURS)]
        total = sum(v for v in series if v is not None)
        parts.append(f'<g class="line" data-label="{escape(label)}">')
        parts.append(f"<title>{escape(label)}: {escape(fmt(total))} in all</title>")
        for run in _runs(series):
            points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in run)
            if len(run) == 1:
                ((i, v),) = run
                parts.append(f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="2.5" fill="{colour}"/>')
            else:
                parts.append(
                    f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2"/>'
                )
        parts.append("</g>")
    parts.append("</svg>")
    legend = "".join(
        f'<span class="swatch c{n % len(COLOURS)}">■</span> {escape(label)} '
        for n, (label, _) in enumerate(lines)
    )
    return f"<figure>{''.join(parts)}<figcaption>{legend}</figcaption></figure>"


def _runs(series: Sequence[float | None]) -> list[list[tuple[int, float]]]:
    """The stretches of consecutive known values."""
    runs: list[list[tuple[int, float]]] = []
    current: list[tuple[int, float]] = []
    for i, v in enumerate(series):
        if v is None:
            if current:
                runs.append(current)
            current = []
        else:
            current.append((i, v))
    if current:
        runs.append(current)
    return runs
