"""explanations.options: `?explain=` and `?explain_top=` restated as headers, whatever bytes the
query holds, and refused in one line where they are read."""

from __future__ import annotations

import pytest

from revertrisk_service.errors import InvalidExplainOption
from revertrisk_service.explanations.options import (
    ExplainOptions,
    explain_options,
    with_explain_headers,
)


def headers_for(query: bytes) -> dict[str, str]:
    """The headers a model is handed (KServe decodes header bytes as latin-1)."""
    scope = with_explain_headers({"type": "http", "query_string": query, "headers": []})
    return {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}


def test_query_flags_become_options() -> None:
    assert explain_options({}, headers_for(b"explain=true&explain_top=5")) == ExplainOptions(5)
    assert explain_options({}, headers_for(b"explain=false")) is None


@pytest.mark.parametrize(
    "query",
    [
        # Percent-escapes of characters beyond latin-1 (found by the OpenAPI fuzzer).
        b"explain=c%F1%AC%84%85%F2%AF%BE%A0%C2%AA%C3%AA%C2%87",
        b"explain=true&explain_top=g%C2%B0%C3%96%C2%AEAP",
        # A character that str.isdigit() takes for a digit.
        b"explain=true&explain_top=%C2%B2",
        b"explain=true&explain_top=%B2",
    ],
)
def test_any_bytes_are_refused_with_the_explain_error(query: bytes) -> None:
    with pytest.raises(InvalidExplainOption):
        explain_options({}, headers_for(query))
