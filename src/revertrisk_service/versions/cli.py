"""`revertrisk models ...`: an operator's acts on model versions, from a terminal (rich tables)
or a script (`--json`, one JSON document on stdout).

    revertrisk models list <name>                     versions, aliases, the record of acts
    revertrisk models install <name> <artifact dir>   a complete artifact, as a new version
    revertrisk models challenger <name> <version>     shadow-score it (--clear: stop)
    revertrisk models compare <name> [<version>]      the gate, champion against challenger
    revertrisk models promote <name> <version>        behind the gate (--force --reason "…")
    revertrisk models rollback <name>                 back to the previous champion

Exit status: 0 done, 1 the gate refused, 2 bad input or configuration (one line on stderr).
"""

from __future__ import annotations

import getpass
import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from revertrisk_service.errors import ServiceError

app = typer.Typer(help="Model versions: champion, challenger, the gate.", no_args_is_help=True)
JsonOption = Annotated[bool, typer.Option("--json", help="One JSON document on stdout.")]


def operator() -> str:
    """Who acts: OPERATOR when set (a CI job names itself), else the login name."""
    return os.environ.get("OPERATOR") or getpass.getuser()


@contextmanager
def one_line_errors() -> Iterator[None]:
    from revertrisk_service.cli_support import fail

    try:
        yield
    except ServiceError as error:
        raise fail(error.message) from None


def _versions():
    from revertrisk_service.cli_support import command_settings
    from revertrisk_service.versions.catalog import ModelVersions

    settings = command_settings()
    return settings, ModelVersions.from_settings(settings)


@contextmanager
def _versions_and_outcomes() -> Iterator[tuple[Any, Any]]:
    """The model versions, and the outcome store with the decided edits the gate reads."""
    from revertrisk_service.outcomes.sql_store import SqlOutcomeStore

    settings, versions = _versions()
    store = SqlOutcomeStore.from_url(settings.feedback_database_url, settings.feedback_db_timeout_s)
    try:
        yield versions, store
    finally:
        store.close()


def printed(as_json: bool, body: dict[str, Any], render: Callable[[Console], None]) -> None:
    from revertrisk_service.versions.promotion import plain

    if as_json:
        typer.echo(json.dumps(plain(body), indent=1))
    else:
        render(Console())


def _aliases_body(name: str, versions) -> dict[str, Any]:
    aliases = versions.aliases(name)
    return {
        "model": name,
        "champion": aliases.champion,
        "challenger": aliases.challenger,
        "previous_champion": aliases.previous_champion,
        "serial": aliases.serial,
    }


@app.command("list")
def list_versions(name: str, as_json: JsonOption = False) -> None:
    """Installed versions, the aliases and every act on them."""
    with one_line_errors():
        _, versions = _versions()
        body = {
            **_aliases_body(name, versions),
            "versions": versions.registry.versions(name),
            "history": [c.to_json() for c in versions.history(name)],
        }

    def render(console: Console) -> None:
        table = Table(title=f"{name} versions")
        table.add_column("version")
        table.add_column("alias")
        for version in body["versions"]:
            alias = ", ".join(
                a for a in ("champion", "challenger") if body[a] == version
            )
            table.add_row(version, alias)
        console.print(table)
        acts = Table(title="record")
        for column in ("at", "act", "version", "previous", "by", "forced", "reason"):
            acts.add_column(column)
        for change in body["history"]:
            acts.add_row(*(str(change[c] if change[c] is not None else "") for c in
                           ("at", "act", "version", "previous", "by", "forced", "reason")))
        console.print(acts)

    printed(as_json, body, render)


@app.command()
def install(name: str, artifact: Path, as_json: JsonOption = False) -> None:
    """Install a complete artifact (model, manifest, card, evaluation, thresholds)."""
    with one_line_errors():
        _, versions = _versions()
        version = versions.install(name, artifact)
    printed(as_json, {"model": name, "installed": version},
           lambda c: c.print(f"installed {name} {version}"))


@app.command()
def challenger(
    name: str,
    version: Annotated[str | None, typer.Argument()] = None,
    clear: Annotated[bool, typer.Option("--clear", help="Stop shadow-scoring.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Name the version that is shadow-scored beside the champion."""
    from revertrisk_service.cli_support import fail

    if (version is None) == (not clear):
        raise fail("give a version, or --clear")
    with one_line_errors():
        _, versions = _versions()
        versions.set_challenger(name, None if clear else version, operator())
        body = _aliases_body(name, versions)
    printed(as_json, body, lambda c: c.print(
        f"{name}: champion {body['champion']}, challenger {body['challenger'] or 'none'}"))


def render_comparison(console: Console, body: dict[str, Any]) -> None:
    console.print(
        f"[bold]{body['model']}[/]: champion {body['champion']} against challenger "
        f"{body['challenger']} on {body['paired']} decided edits in common "
        f"({body['reverted']} reverted, {body['anonymous']} by anonymous editors)"
    )
    figures = body["figures"]
    if "auc" in figures:
        table = Table(title="AUC (95% paired bootstrap)")
        for column in ("", "value", "low", "high"):
            table.add_column(column)
        rows = [(k, figures["auc"][k]) for k in ("champion", "challenger", "difference")]
        if "auc_anonymous" in figures:
            rows.append(("difference, anonymous", figures["auc_anonymous"]["difference"]))
        for label, e in rows:
            table.add_row(label, *(f"{e[k]:.4f}" for k in ("value", "ci_low", "ci_high")))
        console.print(table)
    if "caution_levels" in figures:
        table = Table(title="precision at each caution level (each version at its own threshold)")
        for column in ("level", "champion", "challenger"):
            table.add_column(column)
        for level, both in figures["caution_levels"].items():
            table.add_row(level, *(
                "unreachable" if v["threshold"] is None else
                f"{'-' if v['precision'] is None else format(v['precision'], '.3f')} "
                f"at {v['threshold']:.3f} ({v['flagged']} flagged)"
                for v in (both["champion"], both["challenger"])
            ))
        console.print(table)
    checks = Table(title="gate")
    checks.add_column("check")
    checks.add_column("")
    checks.add_column("detail")
    for check in body["checks"]:
        checks.add_row(check["name"], "[green]pass[/]" if check["passed"] else "[red]fail[/]",
                       check["detail"])
    console.print(checks)
    console.print("[green]the gate passes[/]" if body["passed"] else "[red]the gate fails[/]")


@app.command()
def compare(
    name: str,
    version: Annotated[str | None, typer.Argument(help="Default: the challenger.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Champion and challenger side by side on the same decided live edits."""
    from revertrisk_service.versions.promotion import compare_aliases

    with one_line_errors(), _versions_and_outcomes() as (versions, store):
        body = compare_aliases(versions, store, name, version).to_json()
    printed(as_json, body, lambda c: render_comparison(c, body))
    if not body["passed"]:
        raise typer.Exit(code=1)


@app.command()
def promote(
    name: str,
    version: str,
    force: Annotated[bool, typer.Option("--force", help="Promote although the gate fails.")] = False,
    reason: Annotated[str | None, typer.Option(help="Why (required with --force).")] = None,
    as_json: JsonOption = False,
) -> None:
    """Make a version the champion, if the gate passes (or --force --reason)."""
    from revertrisk_service.errors import GateRefused
    from revertrisk_service.versions.promotion import promote as promote_version

    with one_line_errors(), _versions_and_outcomes() as (versions, store):
        try:
            done = promote_version(versions, store, name, version, operator(), force=force,
                                   reason=reason)
        except GateRefused as refused:
            typer.echo(f"revertrisk: refused: {refused.message}", err=True)
            raise typer.Exit(code=1) from None
    body = {**_aliases_body(name, versions), "forced": done.forced,
            "gate": done.comparison.to_json()}
    printed(as_json, body, lambda c: (
        render_comparison(c, body["gate"]),
        c.print(f"promoted {name} {version}" + (" (forced)" if done.forced else "")),
    ))


@app.command()
def rollback(
    name: str,
    reason: Annotated[str | None, typer.Option(help="Why, for the record.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Back to the previous champion, in one step."""
    with one_line_errors():
        _, versions = _versions()
        versions.rollback(name, operator(), reason)
        body = _aliases_body(name, versions)
    printed(as_json, body, lambda c: c.print(f"{name}: champion {body['champion']} again"))
