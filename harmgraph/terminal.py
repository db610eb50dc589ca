"""Text from the store shown safely in a terminal.

Names, reasons and ids come from police extracts and from the app's forms, so they can hold
anything: rich markup (``[/]`` made every list command fail with a MarkupError), ANSI colour
and cursor codes, OSC 8 hyperlinks, bidirectional overrides that reorder what is read. The
command line prints through ``SafeConsole``: it never reads markup in a string and shows every
control character as a visible escape, so what the analyst sees is what the record holds.
Styling of our own words is explicit (``styled``), never markup around data.

>>> clean("Jo\\x1b[31mhn [/] \\u202eevil")
'Jo\\\\x1b[31mhn [/] \\\\u202eevil'
>>> clean("two\\nlines\\ttab")
'two\\nlines\\\\x09tab'
"""

from __future__ import annotations

import re

from rich.console import Console
from rich.style import Style
from rich.text import Text

# C0 controls except the newline, DEL, C1 controls (a lone 0x9b starts a CSI sequence on some
# terminals), zero-width characters and the bidirectional embeddings, overrides and isolates.
_UNSAFE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]")


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def clean(text: str) -> str:
    """``text`` with every control or invisible formatting character written as an escape."""
    return _UNSAFE.sub(_visible, text)


def styled(*parts: str | tuple[str, str | Style]) -> Text:
    """Our own words with their styles, e.g. ``styled(("error:", "bold red"), " ", message)``;
    every part is cleaned and none is read as markup."""
    return Text.assemble(*((clean(part[0]), part[1]) if isinstance(part, tuple) else clean(part)
                           for part in parts))


class SafeConsole(Console):
    """A rich Console that shows strings literally: no markup, control characters escaped.

    Every string it prints (table cells, titles, captions, rules, messages) passes through
    ``render_str``, which is where this console cleans it and turns markup off.

    >>> import io
    >>> console = SafeConsole(file=io.StringIO(), width=40, color_system=None)
    >>> console.print("[/] \\x1b]8;;http://x\\x1b\\\\link")
    >>> console.file.getvalue()
    '[/] \\\\x1b]8;;http://x\\\\x1b\\\\link\\n'
    """

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("markup", False)
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]

    def render_str(self, text: str, **kwargs: object) -> Text:  # type: ignore[override]
        kwargs["markup"] = False
        return super().render_str(clean(text), **kwargs)  # type: ignore[arg-type]
