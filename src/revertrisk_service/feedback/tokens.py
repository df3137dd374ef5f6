"""The feedback tokens: one per tool, configured by the operator, stored only as SHA-256 hashes.

FEEDBACK_TOKENS_FILE holds lines `<tool name> <sha256 hex of the token>` (blank lines and
`#` comments allowed). The file is read again when it changes, so rotating a Secret needs no
restart. Every configured hash is compared, each with hmac.compare_digest, so the time taken
does not tell which tool's hash (or how much of one) a guess matched.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path

from revertrisk_service.errors import Unauthorized

log = logging.getLogger(__name__)
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_TOOL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


class TokensFileError(ValueError):
    """FEEDBACK_TOKENS_FILE cannot be used; the message is the one line an operator needs."""


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def parse_tokens(text: str, source: str) -> dict[str, str]:
    """tool name -> hash, or TokensFileError naming the first bad line."""
    tools: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split()
        if len(parts) != 2 or not _TOOL.match(parts[0]) or not _HEX64.match(parts[1].lower()):
            raise TokensFileError(
                f"{source} line {number}: expected '<tool name> <sha256 hex of the token>' "
                "(tool: letters, digits, '.', '_', '-'; hash: 64 hex digits)"
            )
        if parts[0] in tools:
            raise TokensFileError(f"{source} line {number}: tool {parts[0]!r} is listed twice")
        tools[parts[0]] = parts[1].lower()
    if not tools:
        raise TokensFileError(f"{source}: no tokens; add a line '<tool name> <sha256 hex>'")
    return tools


@dataclass
class FeedbackTokens:
    path: Path
    _tools: dict[str, str] | None = None
    # Words of the one-line errors; the operator tokens (versions.operator_routes) reuse the
    # same file format and checks with their own.
    setting: str = "FEEDBACK_TOKENS_FILE"
    missing: str = (
        "Feedback needs 'Authorization: Bearer <token>' with a token the operator "
        "configured for your tool."
    )
    unknown: str = "This feedback token is not configured on this service."
    _mtime_ns: int = -1
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def load(self) -> dict[str, str]:
        """The current tools; re-read when the file changed (a rotated Kubernetes Secret)."""
        try:
            mtime_ns = self.path.stat().st_mtime_ns
        except OSError as error:
            if self._tools is not None:
                return self._tools  # mid-rotation: keep the last good set
            raise TokensFileError(f"{self.setting} {self.path}: {error.strerror}") from None
        with self._lock:
            if self._tools is None or mtime_ns != self._mtime_ns:
                try:
                    text = self.path.read_text(encoding="utf-8")
                    tools = parse_tokens(text, f"{self.setting} {self.path}")
                except (OSError, UnicodeDecodeError, TokensFileError) as error:
                    if self._tools is None:
                        raise TokensFileError(str(error)) from None
                    # A bad edit of a running service's file: keep serving the last good set.
                    log.error("feedback tokens not reloaded, keeping the previous ones: %s", error)
                    self._mtime_ns = mtime_ns
                    return self._tools
                self._tools, self._mtime_ns = tools, mtime_ns
            return self._tools

    def tool_for(self, authorization: str | None) -> str:
        """The tool whose token the `Authorization: Bearer <token>` header carries, or 401."""
        scheme, _, token = (authorization or "").strip().partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise Unauthorized(self.missing)
        presented = hash_token(token).encode()
        matched: str | None = None
        for tool, expected in self.load().items():
            if hmac.compare_digest(presented, expected.encode()):
                matched = tool
        if matched is None:
            raise Unauthorized(self.unknown)
        return matched
