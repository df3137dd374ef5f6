"""What every command shares: its one-line error and exit status, the settings read from the
environment (a bad one said in one line), and the check for the Parquet extra. Below the
commands, so that a feature's own command group (versions.cli) uses it without importing the
command line that mounts it."""

from __future__ import annotations

import typer
from pydantic import ValidationError

from revertrisk_service.config import Settings


def fail(message: str) -> typer.Exit:
    typer.echo(f"revertrisk: error: {message}", err=True)
    return typer.Exit(code=2)


def require_parquet() -> None:
    """Parquet tables (training datasets, the feedback export) need pyarrow, which the `dataset`
    extra brings: the serving image leaves it out (163 MB the server never imports)."""
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        raise fail("Parquet needs pyarrow: pip install 'revertrisk-service[dataset]'") from None


def describe_validation(error: ValidationError) -> str:
    parts = [
        f"{'.'.join(str(p) for p in e['loc']).upper() or 'settings'}: {e['msg']}"
        for e in error.errors()
    ]
    return "invalid configuration: " + "; ".join(parts)


def command_settings(**overrides: object) -> Settings:
    try:
        settings = Settings(**{k: v for k, v in overrides.items() if v is not None})
        settings.enabled_models()
    except ValidationError as error:
        raise fail(describe_validation(error)) from None
    except ValueError as error:
        raise fail(str(error)) from None
    return settings
