"""Pieces of the printable HTML pages (EST week, follow-up): tables, small bar charts, CSS.

The pages are single self-contained files: inline CSS, inline SVG charts, the map in an
``<iframe srcdoc>``. Cells given to :func:`html_table` must already be escaped.
"""

from __future__ import annotations

import html

__all__ = ["PRINT_CSS", "bars_svg", "html_table", "map_iframe"]


def bars_svg(values: list[float | None], labels: list[str], *, width: int = 260,
             height: int = 60, title: str = "") -> str:
    """A small inline SVG bar chart; the last bar (the chosen period) is highlighted."""
    from sjobo_geo.maps.base import escape_text

    n = max(len(values), 1)
    top = max([v for v in values if v is not None] + [1.0])
    bw = width / n
    bars = []
    for k, (v, lab) in enumerate(zip(values, labels, strict=True)):
        colour = "#d62728" if k == n - 1 else "#7f9fbf"
        if v is None:
            bars.append(f'<rect x="{k * bw + 1:.1f}" y="{height - 2}" width="{bw - 2:.1f}" '
                        f'height="2" fill="#ddd"><title>{escape_text(lab)}: –</title></rect>')
            continue
        h = (height - 12) * v / top
        bars.append(
            f'<rect x="{k * bw + 1:.1f}" y="{height - h:.1f}" width="{bw - 2:.1f}" '
            f'height="{h:.1f}" fill="{colour}"><title>{escape_text(lab)}: {v:g}</title></rect>'
        )
        if n <= 12:
            bars.append(f'<text x="{k * bw + bw / 2:.1f}" y="{max(height - h - 2, 9):.1f}" '
                        f'font-size="9" text-anchor="middle">{v:g}</text>')
    return (f'<svg class="bars" role="img" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">'
            f"<title>{escape_text(title)}</title>{''.join(bars)}</svg>")


def html_table(header: list[str], rows: list[list[str]], cls: str = "") -> str:
    """An HTML table; cells must already be escaped."""
    head = "".join(f"<th>{h}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows)
    return f'<table class="{cls}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


PRINT_CSS = """
body{font:11pt/1.35 system-ui,sans-serif;margin:0 auto;max-width:190mm;color:#222}
h1{font-size:17pt;margin:4mm 0 2mm}h2{font-size:13pt;margin:0 0 2mm}
.synthetic{background:#ffe08a;border:2px solid #b8860b;padding:2mm 3mm;font-weight:bold}
.summary{font-size:11.5pt;background:#f3f6fa;padding:2mm 3mm;border-left:4px solid #1f77b4}
table{border-collapse:collapse;font-size:9pt;margin:2mm 0;width:100%}
th,td{border:1px solid #bbb;padding:1px 4px;text-align:left;vertical-align:top}
td.n,th.n{text-align:right}.current{background:#fde2e2}
iframe.map{width:186mm;height:150mm;border:1px solid #999;display:block}
section{margin-bottom:6mm}.muted{color:#666;font-size:9pt}
@page{size:A4;margin:12mm}
@media print{section.break{break-before:page}iframe.map{width:186mm;height:150mm}
 table,svg{break-inside:avoid}tr{break-inside:avoid}}
"""




def map_iframe(map_html: str, title: str) -> str:
    """The map page in an ``<iframe srcdoc>`` (one file, prints with the page)."""
    from sjobo_geo.maps.base import escape_text

    return (f'<iframe class="map" title="{escape_text(title)}" '
            f'srcdoc="{html.escape(map_html, quote=True)}"></iframe>')
