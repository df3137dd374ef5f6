"""Every signal, by name: the one place that gathers the declarations.

Serving, training, the ablations, the dataset builder and the explanations all read this
catalogue. A name declared twice is refused when the package is imported.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

from revertrisk_service.signals.characters import CHARACTER_SIGNALS
from revertrisk_service.signals.core import Signal
from revertrisk_service.signals.editor import EDITOR_SIGNALS
from revertrisk_service.signals.facts import FACT_SIGNALS
from revertrisk_service.signals.language_id import LANGUAGE_ID_SIGNALS
from revertrisk_service.signals.structure import STRUCTURE_SIGNALS
from revertrisk_service.signals.summary import SUMMARY_SIGNALS
from revertrisk_service.signals.text_models import TEXT_MODEL_SIGNALS
from revertrisk_service.signals.word_priors import WORD_PRIOR_SIGNALS


class UnknownSignal(KeyError):
    """A name that no declaration has."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name

    def __str__(self) -> str:
        return f"no signal is declared as {self.name!r} (see `revertrisk signals`)"


class Catalogue(Mapping[str, Signal]):
    """Signals by name, in declaration order, each name once and every dependency declared."""

    def __init__(self, signals: Iterable[Signal]) -> None:
        self._by_name: dict[str, Signal] = {}
        for one in signals:
            if one.name in self._by_name:
                first = self._by_name[one.name].declared_at
                raise ValueError(f"signal {one.name!r} is declared twice: {first} and "
                                 f"{one.declared_at}")  # fmt: skip
            self._by_name[one.name] = one
        for one in self._by_name.values():
            for dependency in one.depends_on:
                if dependency not in self._by_name:
                    raise ValueError(f"signal {one.name!r} depends on undeclared {dependency!r}")

    def __getitem__(self, name: str) -> Signal:
        try:
            return self._by_name[name]
        except KeyError:
            raise UnknownSignal(name) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_name)

    def __len__(self) -> int:
        return len(self._by_name)

    # A catalogue is one set of declarations: the solver's cached plans are keyed by identity.
    def __eq__(self, other: object) -> bool:
        return self is other

    def __hash__(self) -> int:
        return id(self)

    def in_group(self, group: str) -> tuple[str, ...]:
        return self.names(group=group)

    def names(self, *, group: str | None = None, family: str | None = None) -> tuple[str, ...]:
        """The names declared in this group and family (either or both), in declaration order:
        how code outside the declarations lists a family without spelling its names again."""
        return tuple(s.name for s in self._by_name.values()
                     if (group is None or s.group == group)
                     and (family is None or s.family == family))  # fmt: skip

    def closure(self, names: Iterable[str]) -> tuple[str, ...]:
        """The named signals and everything they depend on, each once, dependencies first."""
        seen: dict[str, None] = {}

        def visit(name: str) -> None:
            if name in seen:
                return
            for dependency in self[name].depends_on:
                visit(dependency)
            seen[name] = None

        for name in names:
            visit(name)
        return tuple(seen)


CATALOGUE = Catalogue((
    *FACT_SIGNALS, *EDITOR_SIGNALS, *STRUCTURE_SIGNALS, *SUMMARY_SIGNALS, *CHARACTER_SIGNALS,
    *WORD_PRIOR_SIGNALS, *LANGUAGE_ID_SIGNALS, *TEXT_MODEL_SIGNALS,
))  # fmt: skip


def lookup(name: str) -> Signal:
    return CATALOGUE[name]


def describe(name: str) -> str:
    """What a patroller reads about this signal in an explanation."""
    return CATALOGUE[name].description
