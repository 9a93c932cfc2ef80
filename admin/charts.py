"""Charts drawn on the server as inline SVG: no script and no asset from outside; labels escaped."""

from decimal import Decimal

from flask_babel import gettext as _
from markupsafe import Markup, escape

from kaohe.core.domain.vocab import fmt

PALETTE = ("#2f6db5", "#d9822b", "#3a9a5b", "#b83b5e", "#7a5cb8", "#5a8f9e")


def _number(value):
    return Decimal(str(value))


def bar_chart(rows, width=640, bar=18, gap=6, label_width=170):
    """Horizontal bars of points: rows are (label, value, highlighted); negative values drawn to
    the left."""
    if not rows:
        return Markup("")
    values = [_number(v) for _l, v, _h in rows]
    top = max([v for v in values if v > 0] or [Decimal(1)])
    bottom = min([v for v in values if v < 0] or [Decimal(0)])
    span = (top - bottom) or Decimal(1)
    plot = width - label_width - 70
    zero_x = label_width + float((-bottom) / span) * plot
    height = len(rows) * (bar + gap) + gap
    parts = [f'<svg class="kaohe-chart" role="img" viewBox="0 0 {width} {height}" '
             f'width="100%" xmlns="http://www.w3.org/2000/svg">']
    for index, ((label, _value, highlighted), value) in enumerate(zip(rows, values)):
        y = gap + index * (bar + gap)
        length = float(abs(value) / span) * plot
        x = zero_x if value >= 0 else zero_x - length
        colour = PALETTE[1] if highlighted else PALETTE[0]
        parts.append(
            f'<text x="{label_width - 6}" y="{y + bar - 4}" text-anchor="end" font-size="12">'
            f'{escape(label)}</text>'
            f'<rect x="{x:.1f}" y="{y}" width="{max(length, 1):.1f}" height="{bar}" fill="{colour}">'
            f'<title>{escape(_("%(label)s：%(value)s分", label=label, value=fmt(value)))}</title></rect>'
            f'<text x="{(x + length if value >= 0 else x) + 4:.1f}" y="{y + bar - 4}" font-size="12">'
            f'{escape(fmt(value))}</text>')
    parts.append(f'<line x1="{zero_x:.1f}" y1="0" x2="{zero_x:.1f}" y2="{height}" stroke="#888"/>')
    parts.append("</svg>")
    return Markup("".join(parts))


def line_chart(labels, series, width=640, height=240, left=50, bottom=30):
    """Lines over the same x labels; `series` is a list of (name, [values])."""
    if not labels or not series:
        return Markup("")
    values = [_number(v) for _n, vs in series for v in vs] or [Decimal(0)]
    top = max(values + [Decimal(1)])
    low = min(values + [Decimal(0)])
    span = (top - low) or Decimal(1)
    plot_w, plot_h = width - left - 20, height - bottom - 30
    step = plot_w / max(len(labels) - 1, 1)

    def point(i, v):
        return left + i * step, 20 + plot_h - float((_number(v) - low) / span) * plot_h

    parts = [f'<svg class="kaohe-chart" role="img" viewBox="0 0 {width} {height}" width="100%" '
             f'xmlns="http://www.w3.org/2000/svg">',
             f'<line x1="{left}" y1="{20 + plot_h}" x2="{width - 20}" y2="{20 + plot_h}" stroke="#888"/>',
             f'<text x="{left - 6}" y="24" text-anchor="end" font-size="11">{escape(fmt(top))}</text>',
             f'<text x="{left - 6}" y="{20 + plot_h}" text-anchor="end" font-size="11">'
             f'{escape(fmt(low))}</text>']
    for i, label in enumerate(labels):
        x, _y = point(i, low)
        parts.append(f'<text x="{x:.1f}" y="{height - 8}" text-anchor="middle" font-size="11">'
                     f'{escape(label)}</text>')
    for n, (name, vs) in enumerate(series):
        colour = PALETTE[n % len(PALETTE)]
        coords = " ".join(f"{x:.1f},{y:.1f}" for x, y in (point(i, v) for i, v in enumerate(vs)))
        parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{coords}"/>')
        for i, v in enumerate(vs):
            x, y = point(i, v)
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}">'
                         f'<title>{escape(_("%(name)s %(month)s：%(value)s", name=name, month=labels[i], value=fmt(v)))}'
                         '</title></circle>')
        parts.append(f'<rect x="{left + 10 + n * 140}" y="4" width="12" height="8" fill="{colour}"/>'
                     f'<text x="{left + 26 + n * 140}" y="12" font-size="11">{escape(name)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
