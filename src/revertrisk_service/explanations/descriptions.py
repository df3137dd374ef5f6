"""What each signal means, in words a patroller understands, as the explanations show it.

The words are the signals' own declarations (`signals.describe`): explanations add nothing to
them, so a signal is described in one place. A feature no declaration has (a model trained by
newer code) still reads as words, its name spelled out, rather than failing the explanation.
"""

from __future__ import annotations

from revertrisk_service.signals import CATALOGUE, describe


def has_description(name: str) -> bool:
    return name in CATALOGUE


def describe_signal(name: str) -> str:
    """The patroller's description of one signal (a model feature)."""
    if name in CATALOGUE:
        return describe(name)
    return name.replace("_", " ").capitalize() + "."
