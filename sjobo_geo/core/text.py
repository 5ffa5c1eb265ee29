"""Text made safe for where it goes: XML (GPX, OSM), a terminal, a spreadsheet cell.

User text (survey answers, OSM names, actor names, file cells) reaches three places that
give some characters a meaning of their own:

* **XML 1.0** forbids most control characters outright: one of them in an OSM name makes a
  GPX file that no phone opens. :func:`xml_text` drops them (escaping ``<&>"`` is the XML
  writer's job).
* **A terminal** runs escape sequences: a cell holding ``ESC[2J`` would clear the screen of
  whoever validates the file. :func:`terminal_text` shows control characters as ``\\x1b``.
* **A spreadsheet** runs formulas: a cell ``=HYPERLINK(...)`` in a CSV opened in Excel is
  code, not text (CSV injection). :func:`excel_cell` follows OWASP's rule: a cell that starts
  with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading ``'``, except a
  plain number such as ``-12.5``, which stays a number.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["FORMULA_START", "excel_cell", "terminal_text", "xml_text"]

# XML 1.0 Char: #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]
_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# C0 and C1 controls and DEL, except tab and newline which a terminal shows harmlessly
_TERMINAL_BAD = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
#: First characters that make a spreadsheet read a cell as a formula (OWASP).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?$")


def xml_text(value: Any) -> str:
    """``value`` as text with the characters XML 1.0 forbids removed.

    Examples
    --------
    >>> xml_text("Kajen\\x07 torg")
    'Kajen torg'
    """
    return _XML_BAD.sub("", str(value))


def terminal_text(value: Any) -> str:
    """``value`` as text a terminal shows as it is: control characters as ``\\xNN``.

    Examples
    --------
    >>> terminal_text("rad 3: \\x1b[2Jhej")
    'rad 3: \\\\x1b[2Jhej'
    """
    return _TERMINAL_BAD.sub(lambda m: f"\\x{ord(m.group()):02x}", str(value))


def excel_cell(value: Any) -> Any:
    """A cell value that a spreadsheet shows as text, never runs as a formula.

    Non-text values (numbers, dates, missing) are returned unchanged.

    Examples
    --------
    >>> excel_cell("=1+1"), excel_cell("-12,5"), excel_cell("@SUM(A1)"), excel_cell(3)
    ("'=1+1", '-12,5', "'@SUM(A1)", 3)
    """
    if not isinstance(value, str) or not value.startswith(FORMULA_START):
        return value
    if _PLAIN_NUMBER.match(value):
        return value
    return "'" + value
