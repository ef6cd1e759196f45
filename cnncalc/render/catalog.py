"""`cnncalc layers` as a Rich table."""

from __future__ import annotations

from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from cnncalc.catalog import TypeDoc


def print_catalog(entries: list[TypeDoc], console: Console, details: bool) -> None:
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_lines=False, title="Layer types",
                  title_justify="left")
    table.add_column("Type", style="bold", no_wrap=True)
    table.add_column("Arguments (default)", overflow="fold")
    if details:
        table.add_column("Description", overflow="fold", ratio=1)
    for entry in entries:
        name = entry.name + (f"\n({', '.join(entry.aliases)})" if entry.aliases else "")
        args = "\n".join(f"{a.name} (required)" if a.required else f"{a.name}: {a.shown}"
                         for a in entry.args) or "none"
        cells = [escape(name), escape(args)] + ([escape(entry.summary)] if details else [])
        table.add_row(*cells, end_section=details)
    console.print(table)


def print_type(entry: TypeDoc, console: Console) -> None:
    aliases = f" (also {', '.join(entry.aliases)})" if entry.aliases else ""
    console.print(f"[bold]{entry.name}[/]{aliases}", highlight=False)
    console.print(escape(entry.summary), highlight=False)
    if not entry.args:
        console.print("\nNo arguments.")
        return
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("Argument", style="bold", no_wrap=True)
    table.add_column("Default", no_wrap=True)
    table.add_column("Accepts", overflow="fold")
    table.add_column("Meaning", overflow="fold", ratio=1)
    for a in entry.args:
        table.add_row(a.name, escape("required" if a.required else a.shown), escape(a.accepts),
                      escape(a.doc))
    console.print(table)
