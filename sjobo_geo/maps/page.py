"""Pieces of the printable HTML pages (EST week, follow-up): the Jinja templates, bars, CSS.

The pages are single self-contained files: inline CSS, inline SVG charts, the map in an
``<iframe srcdoc>``. Their markup lives in Jinja2 templates in ``maps/templates`` (a
designer changes a page there, without reading Python):

* ``_page.html.j2``: the page shell (head, print CSS) that every page extends;
* ``_macros.html.j2``: the small SVG bar chart and the map frame;
* ``print.css``: the A4 print style sheet, plain CSS;
* one template per page (``est_week.html.j2``, ``follow_up.html.j2``).

:func:`render_page` renders one with autoescaping on: every text from data is escaped in
the page, and only markup made here (the rendered map, never data) is marked safe. Cells
given to :func:`html_table` must already be escaped.
"""

from __future__ import annotations

import functools
import html
from importlib import resources
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable

    import jinja2

__all__ = ["PRINT_CSS", "bars_svg", "html_table", "labeller", "map_iframe", "page_environment",
           "render_page"]

#: The A4 print style sheet of the pages (``maps/templates/print.css``).
PRINT_CSS = resources.files("sjobo_geo.maps").joinpath("templates").joinpath(
    "print.css").read_text(encoding="utf-8")


@functools.cache
def page_environment() -> jinja2.Environment:
    """The Jinja2 environment of the printable pages (templates in ``maps/templates``).

    Autoescaping is on for every template, so a ``<script>`` in a report's text reaches the
    page as text. Undefined names are errors: a misspelt name in a template fails the
    render instead of leaving a blank. ``print_css`` (:data:`PRINT_CSS`) is a global.

    Returns
    -------
    jinja2.Environment
        One shared environment (templates are compiled once per process).

    Examples
    --------
    >>> env = page_environment()
    >>> env.from_string("<p>{{ text }}</p>").render(text="<script>")
    '<p>&lt;script&gt;</p>'
    """
    import jinja2
    from markupsafe import Markup

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("sjobo_geo.maps", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.globals["print_css"] = Markup(PRINT_CSS)  # our own file, not data
    return env


def render_page(template: str, /, **context: Any) -> str:
    """Render one page template of ``maps/templates`` with ``context`` (autoescaped).

    Parameters
    ----------
    template : str
        File name in ``maps/templates``, e.g. ``"est_week.html.j2"``.
    **context
        The template's names. Text is escaped; pass :class:`markupsafe.Markup` only for
        markup made by sjobo-geo itself (the rendered map).

    Returns
    -------
    str
        The HTML page.

    Examples
    --------
    >>> page = render_page("_page.html.j2", lang="en", title="<Title>")
    >>> "<title>&lt;Title&gt;</title>" in page
    True
    """
    return page_environment().get_template(template).render(**context)


def labeller(lang: str) -> Callable[..., str]:
    """The templates' ``L``: ``L(key)`` is the label in ``lang``, ``L(key, n=3)`` formats it.

    Examples
    --------
    >>> L = labeller("en")
    >>> L("est_coverage", n=3, m=8)
    'The data cover only 3 of 8 earlier periods.'
    """
    from sjobo_geo.core.i18n import label

    def L(key: str, **values: Any) -> str:  # noqa: N802 - the templates' short name
        text = label(key, lang)
        return text.format(**values) if values else text

    return L


def bars_svg(values: list[float | None], labels: list[str], *, width: int = 260,
             height: int = 60, title: str = "") -> str:
    """A small inline SVG bar chart; the last bar (the chosen period) is highlighted.

    The chart is the ``bars`` macro of ``maps/templates/_macros.html.j2``; None draws a
    grey stub (no data, or a count hidden in public outputs).

    Examples
    --------
    >>> svg = bars_svg([1.0, None, 3.0], ["a", "b", "c"], width=30, height=20)
    >>> svg.startswith('<svg class="bars"') and svg.count("<rect") == 3
    True
    """
    macros = page_environment().get_template("_macros.html.j2").module
    return str(macros.bars(values, labels, width=width, height=height, title=title))


def html_table(header: list[str], rows: list[list[str]], cls: str = "") -> str:
    """An HTML table; cells must already be escaped."""
    head = "".join(f"<th>{h}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows)
    return f'<table class="{cls}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def map_iframe(map_html: str, title: str) -> str:
    """The map page in an ``<iframe srcdoc>`` (one file, prints with the page)."""
    from sjobo_geo.maps.base import escape_text

    return (f'<iframe class="map" title="{escape_text(title)}" '
            f'srcdoc="{html.escape(map_html, quote=True)}"></iframe>')
