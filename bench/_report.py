"""Write one benchmark's section into docs/benchmarks.md, replacing its previous figures."""

from __future__ import annotations

from pathlib import Path

DEFAULT_OUT = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"


def write_section(out: Path, name: str, table: str) -> None:
    """Keep other benchmarks' sections; this one sits between `<!-- name -->` markers."""
    marker = f"<!-- {name} -->"
    existing = out.read_text() if out.exists() else ""
    section = f"{marker}\n{table}{marker}\n"
    if marker in existing:
        head, _, rest = existing.partition(marker)
        _, _, tail = rest.partition(marker + "\n")
        out.write_text(head + section + tail)
    else:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(existing + section)
