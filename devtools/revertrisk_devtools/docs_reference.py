"""The documentation's reference sections, generated from the code so that they cannot drift.

The configuration table comes from `Settings` (every field must carry a description), the error
catalogue from the error classes (every code must carry a docstring saying when it is sent), and
the command reference from the `revertrisk` command's own declarations. The docs site's build
hook (mkdocs_hooks.py) puts them where a page writes `<!-- reference:NAME -->`; a field, code or
command without its words fails the build instead of shipping an empty cell.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from typing import Any

# The error catalogue's one import: the module whose ServiceError subclasses are the catalogue.
from revertrisk_service import errors as error_catalogue
from revertrisk_service.config import Settings


class UndocumentedError(ValueError):
    """Something the reference must describe has no description in the code."""


def _cell(text: str) -> str:
    """Markdown table cell: one line, pipes escaped, and `<` outside code spans kept as text
    (else `<lang>` would be read as an HTML tag)."""
    parts = " ".join(text.split()).replace("|", "\\|").split("`")
    return "`".join(part if i % 2 else part.replace("<", "&lt;") for i, part in enumerate(parts))


def _constraints(field: Any) -> str:
    bounds = []
    for rule in field.metadata:
        for attribute, sign in (("ge", "≥"), ("gt", ">"), ("le", "≤"), ("lt", "<")):
            value = getattr(rule, attribute, None)
            if value is not None:
                bounds.append(f"{sign} {value}")
        pattern = getattr(rule, "pattern", None)
        if pattern:
            bounds.append(f"one of `{pattern.strip('^$()').replace('|', ', ')}`")
    return ", ".join(bounds)


def _default(field: Any) -> str:
    if field.default_factory is not None:
        # A computed default (a path found at run time) is described by its factory.
        return _cell(inspect.getdoc(field.default_factory) or field.default_factory.__name__)
    if field.default is None:
        return "unset"
    if field.default == "":
        return "empty"
    return f"`{field.default}`"


def settings_table() -> str:
    """Every `Settings` field as an environment variable, with its default, range and meaning."""
    rows = ["| variable | default | allowed | meaning |", "| --- | --- | --- | --- |"]
    missing = []
    for name, field in Settings.model_fields.items():
        if not field.description:
            missing.append(name.upper())
            continue
        rows.append(
            f"| `{name.upper()}` | {_default(field)} | {_cell(_constraints(field))} "
            f"| {_cell(field.description)} |"
        )
    if missing:
        raise UndocumentedError(f"Settings fields without a description: {', '.join(missing)}")
    return "\n".join(rows)


def _error_classes() -> Iterator[type[error_catalogue.ServiceError]]:
    pending = [error_catalogue.ServiceError]
    while pending:
        cls = pending.pop(0)
        yield cls
        pending.extend(cls.__subclasses__())


def _headers(cls: type[error_catalogue.ServiceError]) -> str:
    return ", ".join(f"`{name}`" for name in cls.headers)


def error_table() -> str:
    """One row per stable error code and status, from the error classes and their docstrings."""
    rows = ["| code | status | when | headers |", "| --- | --- | --- | --- |"]
    missing = []
    seen: set[tuple[str, int]] = set()
    for cls in _error_classes():
        if cls is error_catalogue.ServiceError or "code" not in vars(cls):
            # The base, a class that only groups others, or one replaying a code chosen at run
            # time adds no row (the base's internal_error is the page's own words).
            continue
        key = (cls.code, cls.status)
        if key in seen:
            continue
        seen.add(key)
        doc = cls.__doc__ if "__doc__" in vars(cls) else None
        if not doc:
            missing.append(cls.__name__)
            continue
        # The first paragraph says when; the rest is for the code's readers.
        when = inspect.cleandoc(doc).split("\n\n")[0]
        rows.append(f"| `{cls.code}` | {cls.status} | {_cell(when)} | {_headers(cls)} |")
    if missing:
        raise UndocumentedError(f"error classes without a docstring: {', '.join(missing)}")
    return "\n".join(rows[:2] + sorted(rows[2:], key=_by_status_then_code))


def _by_status_then_code(row: str) -> tuple[int, str]:
    cells = [cell.strip() for cell in row.split("|")]
    return int(cells[2]), cells[1]


def _commands(command: Any, path: list[str]) -> Iterator[tuple[list[str], Any]]:
    yield path, command
    if hasattr(command, "list_commands"):
        for name in command.list_commands(None):
            yield from _commands(command.get_command(None, name), [*path, name])


def _option_row(param: Any) -> str:
    names = ", ".join(f"`{opt}`" for opt in [*param.opts, *param.secondary_opts])
    if param.param_type_name == "argument":
        names = f"`{param.name.upper()}`"
    if param.required:
        default = "required"
    elif param.default is None or getattr(param, "is_flag", False) and param.default is False:
        default = ""
    else:
        default = f"`{param.default}`"
    return f"| {names} | {default} | {_cell(param.help or '')} |"


def cli_reference(app: Any = None) -> str:
    """Each `revertrisk` command: its description, then its arguments and options."""
    import typer.main

    if app is None:
        from revertrisk_service.cli import app
    root = typer.main.get_command(app)
    sections = []
    for path, command in _commands(root, ["revertrisk"]):
        params = [p for p in command.params if p.name not in {"install_completion", "show_completion"}]
        if not (command.help or "").strip():
            raise UndocumentedError(f"command without a description: {' '.join(path)}")
        lines = [f"### `{' '.join(path)}`", "", inspect.cleandoc(command.help), ""]
        if params:
            lines += ["| argument or option | default | meaning |", "| --- | --- | --- |"]
            lines += [_option_row(p) for p in params]
            lines.append("")
        sections.append("\n".join(lines))
    return "\n".join(sections)


GENERATORS: dict[str, Callable[[], str]] = {
    "settings": settings_table,
    "errors": error_table,
    "cli": cli_reference,
}
