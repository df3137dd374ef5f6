"""ORES model names that tools ask for, mapped onto the models this service serves.

Huggle asks for `damaging`, then `reverted`, then `goodfaith`. ORES's `reverted` model predicted
exactly what revert risk predicts, so the default table answers `reverted` with the
language-agnostic model; `damaging` and `goodfaith` predicted something else and are not aliased.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

from revertrisk_service.model_table import LANGUAGE_AGNOSTIC

log = logging.getLogger(__name__)

DEFAULT_ALIASES = f"reverted={LANGUAGE_AGNOSTIC}"
_NAME = re.compile(r"^[a-z][a-z0-9_.-]{0,63}$")


class AliasConfigError(ValueError):
    """ORES_MODEL_ALIASES cannot be read; the message is one line meant for the operator."""


def parse_aliases(text: str, served: Iterable[str]) -> dict[str, str]:
    """`alias=model,alias=model` -> {alias: model}, keeping only aliases of served models."""
    served = set(served)
    aliases: dict[str, str] = {}
    for entry in filter(None, (part.strip() for part in text.split(","))):
        alias, sep, target = (s.strip() for s in entry.partition("="))
        if not sep or not _NAME.match(alias) or not target:
            raise AliasConfigError(
                f"ORES_MODEL_ALIASES: cannot read {entry!r}; write alias=model[,alias=model...], "
                f"e.g. {DEFAULT_ALIASES}"
            )
        if alias in served:
            raise AliasConfigError(
                f"ORES_MODEL_ALIASES: {alias!r} is already the name of a served model"
            )
        if target not in served:
            log.warning("ORES alias %r ignored: model %r is not served here", alias, target)
            continue
        aliases[alias] = target
    return aliases
