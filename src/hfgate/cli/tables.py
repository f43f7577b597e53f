"""Every listing the CLI prints, in one shape: a table that fits the terminal on a terminal,
and one tab-separated line per row when piped, so nothing is cut at 80 columns or wrapped
mid-cell for `grep`, `cut` or `column -t`. Each listing also has `--json`."""

from __future__ import annotations

import sys
from collections.abc import Sequence


def print_table(
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    wide: Sequence[str] = (),
    numeric: Sequence[str] = (),
    title: str | None = None,
) -> None:
    """`wide` columns (ids, paths) fold onto more lines on a narrow terminal instead of being
    cut; the others never wrap. `numeric` ones are right-aligned."""
    if not sys.stdout.isatty():
        print("\t".join(headers))
        for row in rows:
            print("\t".join(cell.replace("\t", " ").replace("\n", " ") for cell in row))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    for name in headers:
        table.add_column(
            name,
            overflow="fold",
            no_wrap=name not in wide,
            justify="right" if name in numeric else "left",
        )
    for row in rows:
        table.add_row(*row)
    Console(highlight=False).print(table)
