"""The builder's one kind of failure: one line for the user, with a stable code for scripts and
tests (`[dump_not_history] dump x.png is not ...`)."""

from __future__ import annotations


class BuildError(Exception):
    """One clear line about a build, with a stable code (`code`)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code

    def line(self) -> str:
        return f"[{self.code}] {self}"
