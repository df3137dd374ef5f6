"""The docs site's build hook: fills each `<!-- reference:NAME -->` of a page with the section
docs_reference.py generates from the code, at every build, so the reference never drifts."""

from __future__ import annotations

import re
from typing import Any

from mkdocs.exceptions import PluginError

from revertrisk_devtools.docs_reference import GENERATORS, UndocumentedError

MARKER = re.compile(r"<!-- reference:([a-z-]+) -->")


def on_page_markdown(markdown: str, page: Any, **_: Any) -> str:
    def generated(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in GENERATORS:
            raise PluginError(f"{page.file.src_uri}: no generated reference named {name!r}")
        try:
            return GENERATORS[name]()
        except UndocumentedError as error:
            raise PluginError(f"{page.file.src_uri}: {error}") from None

    return MARKER.sub(generated, markdown)
