"""A server-rendered SVG bar chart: cases received and answered per week (no script, no library)."""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup, escape


@dataclass(frozen=True)
class WeekCounts:
    label: str  # "02/03"
    title: str  # "Tuần từ 02/03/2026"
    received: int
    answered: int


WIDTH, HEIGHT, LEFT, BOTTOM, TOP = 640, 260, 36, 40, 16


def weekly_bars(weeks: list[WeekCounts], *, title: str, desc: str, legend: tuple[str, str]) -> Markup:
    peak = max([1, *(w.received for w in weeks), *(w.answered for w in weeks)])
    plot_h = HEIGHT - BOTTOM - TOP
    slot = (WIDTH - LEFT - 8) / max(1, len(weeks))
    bar = slot * 0.36
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-labelledby="chart-title '
        f'chart-desc" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="chart-title">{escape(title)}</title><desc id="chart-desc">{escape(desc)}</desc>',
    ]
    for tick in sorted({0, peak // 2, peak}):
        y = TOP + plot_h - plot_h * tick / peak
        parts.append(
            f'<line class="chart-grid" x1="{LEFT}" x2="{WIDTH - 4}" y1="{y:.1f}" y2="{y:.1f}"/>'
            f'<text class="chart-axis" x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{tick}</text>'
        )
    for i, week in enumerate(weeks):
        x = LEFT + i * slot + slot * 0.12
        for offset, value, css, name in (
            (0, week.received, "chart-received", legend[0]),
            (bar, week.answered, "chart-answered", legend[1]),
        ):
            h = plot_h * value / peak
            parts.append(
                f'<rect class="{css}" x="{x + offset:.1f}" y="{TOP + plot_h - h:.1f}" width="{bar:.1f}" '
                f'height="{h:.1f}"><title>{escape(week.title)}: {escape(name)} {value}</title></rect>'
            )
        parts.append(
            f'<text class="chart-axis" x="{x + bar:.1f}" y="{HEIGHT - BOTTOM + 16}" '
            f'text-anchor="middle">{escape(week.label)}</text>'
        )
    legend_y = HEIGHT - 8
    parts.append(
        f'<rect class="chart-received" x="{LEFT}" y="{legend_y - 10}" width="12" height="12"/>'
        f'<text class="chart-axis" x="{LEFT + 18}" y="{legend_y}">{escape(legend[0])}</text>'
        f'<rect class="chart-answered" x="{LEFT + 110}" y="{legend_y - 10}" width="12" height="12"/>'
        f'<text class="chart-axis" x="{LEFT + 128}" y="{legend_y}">{escape(legend[1])}</text>'
    )
    parts.append("</svg>")
    # Every interpolated text went through escape() above; numbers are formatted by us.
    return Markup("".join(parts))  # noqa: S704
