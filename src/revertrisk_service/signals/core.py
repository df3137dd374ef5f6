"""What a signal is: a name, a description a patroller understands, a group, the signals it is
computed from, and how.

In the spirit of revscoring's `Dependent`, minus its operator overloading: a signal is a plain
typed record, declared once with `signal(...)` (or `root(...)` for an input the caller gives,
`alias(...)` for a shipped artifact's second name of the same value). Each declaration remembers
its file and line, so `revertrisk signals --where` (and a test) can point at it.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

# How a value reads. Models encode values by kind (NaN for a missing number, the raw string for a
# category); "data" is an intermediate value (a diff, a list of texts) that no model reads.
Kind = Literal["flag", "count", "number", "category", "data"]
# Where a value comes from: computed here from other signals, given by the caller (the roots:
# an EditContext from MediaWiki or from a dump, or test values), or computed by a model itself
# (the text classifiers' scores, batched on its own device).
Source = Literal["computed", "root", "model"]


@dataclass(frozen=True)
class Signal:
    name: str
    description: str
    group: str
    depends_on: tuple[str, ...]
    compute: Callable[..., Any] | None
    kind: Kind
    source: Source = "computed"
    # Optional packages (the `signals` extra) that computing this value imports.
    packages: tuple[str, ...] = ()
    # The pattern of a family declared in one loop (edit-type counts), as written in the source.
    family: str | None = None
    declared_at: str = ""


def _caller_location(depth: int) -> str:
    # sys._getframe, not inspect.stack(): the latter reads every frame's source and module, which
    # made importing the catalogue take minutes in a process that had loaded torch.
    frame = sys._getframe(depth)
    path = Path(frame.f_code.co_filename)
    # From the package down (revertrisk_service/signals/structure.py:56): a path to grep.
    parts = path.parts
    if "revertrisk_service" in parts:
        parts = parts[parts.index("revertrisk_service") :]
    return f"{'/'.join(parts)}:{frame.f_lineno}"


def signal(
    name: str,
    description: str,
    group: str,
    depends_on: Iterable[str],
    compute: Callable[..., Any],
    kind: Kind = "number",
    *,
    packages: tuple[str, ...] = (),
    family: str | None = None,
) -> Signal:
    """A computed signal: `compute` gets the values of `depends_on`, in that order."""
    return Signal(name, description, group, tuple(depends_on), compute, kind, "computed",
                  packages, family, _caller_location(2))  # fmt: skip


def root(name: str, description: str, group: str) -> Signal:
    """An input the caller gives the solver (never computed here)."""
    return Signal(name, description, group, (), None, "data", "root",
                  declared_at=_caller_location(2))  # fmt: skip


def model_output(
    name: str, description: str, group: str, depends_on: Iterable[str], *, family: str
) -> Signal:
    """A value a model computes itself from `depends_on` (its text classifiers' scores)."""
    return Signal(name, description, group, tuple(depends_on), None, "number", "model",
                  family=family, declared_at=_caller_location(2))  # fmt: skip


def _same(value: Any) -> Any:
    return value


def alias(
    name: str,
    of: Signal,
    description: str | None = None,
    *,
    group: str | None = None,
    family: str | None = None,
) -> Signal:
    """A second name for the value of `of`: a shipped artifact lists its features by name, and
    two artifacts named some values differently (their manifests may never change)."""
    return Signal(name, description or of.description, group or of.group, (of.name,), _same,
                  of.kind, "computed", (), family, _caller_location(2))  # fmt: skip


def unless_missing(fn: Callable[..., Any]) -> Callable[..., Any]:
    """`fn` over the values, or None (missing) when any of them is: a value computed from
    something unknown is unknown, never zero or false."""

    def compute(*values: Any) -> Any:
        for value in values:  # a loop, not any(): this runs for most signals of every edit
            if value is None:
                return None
        return fn(*values)

    compute.__name__ = getattr(fn, "__name__", "compute")
    return compute
