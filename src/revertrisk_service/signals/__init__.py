"""One declaration per signal, solved lazily (in the spirit of revscoring's dependencies).

A `Signal` has a name, a description a patroller understands, a group, the signals (or roots) it
depends on, and how it is computed. Every model feature, every fact of an edit and every candidate
signal is declared exactly once, in one of this package's modules (`revertrisk signals --where`
says which). A model lists the signals it reads by name (its manifest's feature list, in artifact
order); `solve` computes those and their dependencies only, once each per edit.

Roots are the only thing that differs between serving (`edit_context`: an EditContext fetched
from MediaWiki), the dataset builder (an EditContext built from a dump) and the offline training
CSVs (their facts given directly, `given_facts`).

Public names:
- `edit_signals(context, names)`: the named signals of one fetched edit;
- `solve(names, given, profile=None)`: the same from any roots or known values;
- `model_inputs(features)`: what the solver computes for a model's features;
- `lookup(name)`, `describe(name)`, `CATALOGUE`: the declarations.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterable, MutableMapping, Sequence

from revertrisk_service.mediawiki.types import EditContext
from revertrisk_service.signals.catalogue import (
    CATALOGUE,
    Catalogue,
    UnknownSignal,
    describe,
    lookup,
)
from revertrisk_service.signals.core import Signal
from revertrisk_service.signals.facts import EDIT_CONTEXT, FACTS, given_facts
from revertrisk_service.signals.solver import (
    MissingInput,
    SignalError,
    SignalValues,
    model_inputs,
    solve,
    solve_many,
)

__all__ = [
    "CATALOGUE", "EDIT_CONTEXT", "FACTS", "Catalogue", "MissingInput", "Signal", "SignalError",
    "SignalValues", "UnknownSignal", "describe", "edit_signals", "given_facts", "lookup",
    "missing_packages", "model_inputs", "solve", "solve_many",
]  # fmt: skip


def edit_signals(
    context: EditContext,
    names: Iterable[str],
    profile: MutableMapping[str, float] | None = None,
) -> SignalValues:
    """The named signals of one edit, from its EditContext (serving, the dataset builder)."""
    return solve(names, {EDIT_CONTEXT: context}, profile=profile)


def missing_packages(names: Sequence[str]) -> list[str]:
    """Optional packages (the `signals` extra) that the named signals need and this installation
    lacks."""
    needed = {p for n in CATALOGUE.closure(names) for p in CATALOGUE[n].packages}
    return sorted(p for p in needed if importlib.util.find_spec(p) is None)
