"""Colour on a terminal: the one module that knows Rich.

Lines come as (text, style) or (text, style, spans), spans being (start, end,
style) within the text; the styles are gradcli's names for what a piece is.
"""
from __future__ import annotations

STYLES = {
    "": "",
    "none": "yellow",  # a None gradient
    "error": "bold red",
    "ok": "green",
    "dim": "dim",
    "head": "bold",
    "name": "bold",
    "type": "dim",
    "note": "cyan",  # which derivative a value is
}


def print_styled(lines) -> None:
    """Print LINES to stdout in colour (the caller decided colour is on)."""
    from rich.console import Console
    from rich.text import Text

    # the choice is made (--color beats NO_COLOR and FORCE_COLOR): Rich must not
    # second-guess it from the environment or from TERM
    console = Console(force_terminal=True, no_color=False, color_system="standard", highlight=False, soft_wrap=True)
    console.on_broken_pipe = _closed  # Rich would exit 1; the command's edge makes it a quiet 141
    for text, style, *spans in lines:
        line = Text(text, style=STYLES.get(style, style))
        for start, end, part in spans[0] if spans else ():
            line.stylize(STYLES.get(part, part), start, end)
        console.print(line)


def _closed():
    raise BrokenPipeError("stdout was closed")
