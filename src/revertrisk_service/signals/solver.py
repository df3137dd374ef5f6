"""Computing signals: only the ones asked for and what they depend on, each once per edit.

Like revscoring's `solve`, with the roots (and any value already known, such as the facts a
training CSV gives) passed in `given`: a given value is used as it is, never recomputed. An error
names the signal that failed; `profile` collects the seconds spent in each signal's own
computation (dependencies excluded), for the bench.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, MutableMapping, Sequence
from functools import lru_cache
from typing import Any

from revertrisk_service.signals.catalogue import CATALOGUE, Catalogue


class SignalValues(dict[str, Any]):
    """Solved values of one edit, by signal name: what a model scores (None: missing)."""


class SignalError(Exception):
    """A signal could not be computed; `signal` is the one that failed."""

    def __init__(self, signal: str, message: str) -> None:
        super().__init__(message)
        self.signal = signal


class MissingInput(SignalError):
    """A root (or a model's own output) was needed but not given."""


Step = tuple[str, Callable[..., Any], tuple[str, ...]]


@lru_cache(maxsize=512)
def _plan(names: tuple[str, ...], given: frozenset[str], catalogue: Catalogue) -> tuple[Step, ...]:
    """The computations `names` need when `given` is known, dependencies first, each once. The
    same few plans serve every edit (one per model and source), so they are worked out once."""
    steps: dict[str, Step] = {}
    visiting: set[str] = set()

    def visit(name: str, wanted_by: str | None) -> None:
        if name in given or name in steps:
            return
        declared = catalogue[name]
        if declared.compute is None:
            needer = f" (needed by {wanted_by!r})" if wanted_by else ""
            what = "a root" if declared.source == "root" else "computed by the model itself"
            raise MissingInput(name, f"signal {name!r}{needer} is {what}, and was not given")
        if name in visiting:
            raise SignalError(name, f"signal {name!r} depends on itself")
        visiting.add(name)
        for dependency in declared.depends_on:
            visit(dependency, name)
        visiting.discard(name)
        steps[name] = (name, declared.compute, declared.depends_on)

    for name in names:
        visit(name, None)
    return tuple(steps.values())


def solve(
    names: Iterable[str],
    given: Mapping[str, Any],
    *,
    catalogue: Catalogue = CATALOGUE,
    profile: MutableMapping[str, float] | None = None,
) -> SignalValues:
    """The values of `names` for one edit. `given` holds the roots (an EditContext under
    "edit_context") and any value already known, which is used as it is."""
    names = tuple(names)
    known: dict[str, Any] = dict(given)
    plan = _plan(names, frozenset(known), catalogue)  # raises for unknown or missing inputs
    name = ""
    try:
        if profile is None:
            # The hot path of every scored edit: one-argument signals (most) skip the list.
            for name, compute, depends_on in plan:
                if len(depends_on) == 1:
                    known[name] = compute(known[depends_on[0]])
                else:
                    known[name] = compute(*[known[d] for d in depends_on])
        else:
            for name, compute, depends_on in plan:
                started = time.perf_counter()
                known[name] = compute(*[known[d] for d in depends_on])
                profile[name] = profile.get(name, 0.0) + time.perf_counter() - started
    except Exception as exc:
        raise SignalError(name, f"computing signal {name!r} failed: {exc!r}") from exc
    return SignalValues({name: known[name] for name in names})


def solve_many(
    names: Sequence[str],
    givens: Iterable[Mapping[str, Any]],
    *,
    catalogue: Catalogue = CATALOGUE,
    profile: MutableMapping[str, float] | None = None,
) -> list[SignalValues]:
    return [solve(names, g, catalogue=catalogue, profile=profile) for g in givens]


def model_inputs(features: Iterable[str], catalogue: Catalogue = CATALOGUE) -> tuple[str, ...]:
    """What the solver computes for a model with these features: each feature, except the ones
    the model computes itself (its text classifiers' scores), which are replaced by their
    inputs."""
    inputs: dict[str, None] = {}
    for name in features:
        declared = catalogue[name]
        for needed in declared.depends_on if declared.source == "model" else (name,):
            inputs[needed] = None
    return tuple(inputs)
