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


def signals_table(
    model_features: Mapping[str, Sequence[str]],
    *,
    group: str | None = None,
    where: bool = False,
    catalogue: Catalogue = CATALOGUE,
) -> Table:
    users = users_of_signals(model_features, catalogue)
    table = Table(title="signals" if group is None else f"signals in {group!r}")
    for column in ("name", "group", "description", "used by", *(("declared at",) if where else ())):
        table.add_column(column, overflow="fold")
    for name, declared in catalogue.items():
        if group is not None and declared.group != group:
            continue
        row = [escape(name), declared.group, escape(declared.description), ", ".join(users[name]) or "-"]
        table.add_row(*row, *((declared.declared_at,) if where else ()))
    return table
