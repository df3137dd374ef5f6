"""The canonical list of Wikipedias. A request's `lang` maps to one of these or is rejected.

No URL or Host header is ever built from request text: only from an entry of this list.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

from revertrisk_service.errors import InvalidLang

_DBNAME_LIKE = re.compile(r"^[a-z_]+wiki$")


@dataclass(frozen=True)
class Wiki:
    lang: str
    dbname: str
    host: str


@cache
def _catalogue() -> tuple[dict[str, Wiki], dict[str, Wiki], dict[str, str]]:
    raw = json.loads(
        resources.files("revertrisk_service").joinpath("data/wikipedia_languages.json").read_text()
    )
    by_lang = {w["lang"]: Wiki(**w) for w in raw["wikis"]}
    by_dbname = {w.dbname: w for w in by_lang.values()}
    return by_lang, by_dbname, dict(raw["aliases"])


def all_wikis() -> list[Wiki]:
    return list(_catalogue()[0].values())


def resolve_lang(lang: object) -> Wiki:
    """Map a request's `lang` to a known Wikipedia, or raise InvalidLang with a helpful message."""
    if not isinstance(lang, str) or not lang:
        raise InvalidLang("'lang' must be a non-empty string such as \"en\".", field="lang")
    by_lang, by_dbname, aliases = _catalogue()
    key = lang.strip().lower()
    if key in by_lang:
        return by_lang[key]
    if key in aliases:
        return by_lang[aliases[key]]
    if key in by_dbname or _DBNAME_LIKE.match(key):
        hint = by_dbname[key].lang if key in by_dbname else key.removesuffix("wiki")
        raise InvalidLang(
            f"'lang' takes a language code, not a database name: use \"{hint}\" instead of "
            f"\"{lang[:40]}\".",
            field="lang",
        )
    raise InvalidLang(
        f"Unknown Wikipedia language {lang[:40]!r}. Use a Wikipedia language code such as "
        "\"en\", \"de\" or \"zh-min-nan\".",
        field="lang",
    )


def wiki_by_dbname(dbname: str) -> Wiki | None:
    return _catalogue()[1].get(dbname)
