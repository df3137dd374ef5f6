"""The catalogue as `revertrisk signals` prints it: name, group, description, the models using it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from rich.markup import escape
from rich.table import Table

from revertrisk_service.signals.catalogue import CATALOGUE, Catalogue
from revertrisk_service.signals.solver import model_inputs


def users_of_signals(
    model_features: Mapping[str, Sequence[str]], catalogue: Catalogue = CATALOGUE
) -> dict[str, list[str]]:
    """For each signal, the models that read it, directly or through a feature built on it."""
    users: dict[str, list[str]] = {name: [] for name in catalogue}
    for model, features in model_features.items():
        needed = set(features) | set(catalogue.closure(model_inputs(features, catalogue)))
        for name in needed:
            users[name].append(model)
    return users


def signal_groups(catalogue: Catalogue = CATALOGUE) -> list[str]:
    return sorted({declared.group for declared in catalogue.values()})


def signals_rows(
    model_features: Mapping[str, Sequence[str]],
    *,
    group: str | None = None,
    where: bool = False,
    catalogue: Catalogue = CATALOGUE,
) -> list[list[str]]:
    """The header, then one row per signal: name, group, description, the models using it (and
    where it is declared)."""
    users = users_of_signals(model_features, catalogue)
    rows = [["name", "group", "description", "used by", *(("declared at",) if where else ())]]
    for name, declared in catalogue.items():
        if group is not None and declared.group != group:
            continue
        row = [name, declared.group, declared.description, ", ".join(users[name]) or "-"]
        rows.append([*row, *((declared.declared_at,) if where else ())])
    return rows


def signals_table(rows: list[list[str]], title: str) -> Table:
    """For a terminal: columns that fold long descriptions."""
    table = Table(title=title)
    for column in rows[0]:
        table.add_column(column, overflow="fold")
    for row in rows[1:]:
        table.add_row(*(escape(cell) for cell in row))
    return table


def signals_plain(rows: list[list[str]]) -> str:
    """For a pipe: one tab-separated line per signal under a header line, never wrapped, so
    `cut`, `grep` and `awk` read it (no description holds a tab or a newline)."""
    return "\n".join("\t".join(" ".join(cell.split()) for cell in row) for row in rows)
