"""The documentation site builds strictly, and its generated references cover the whole code:
every setting, every error code and every command, each with its words."""

from __future__ import annotations

import gc
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import typer

from revertrisk_devtools import docs_reference
from revertrisk_service import errors
from revertrisk_service.config import Settings

REPO = Path(__file__).resolve().parents[2]


def mkdocs_build(config: Path, site: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1",
           "PYTHONPATH": os.pathsep.join([str(REPO / "src"), str(REPO / "devtools")])}
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(config), "-d", str(site)],
        check=False, capture_output=True, text=True, env=env, timeout=240,
    )


def test_site_builds_strictly(tmp_path: Path) -> None:
    result = mkdocs_build(REPO / "mkdocs.yml", tmp_path / "site")
    assert result.returncode == 0, result.stderr[-3000:]
    configuration = (tmp_path / "site" / "configuration" / "index.html").read_text()
    for name in Settings.model_fields:
        assert f"<code>{name.upper()}</code>" in configuration
    assert "reference:" not in (tmp_path / "site" / "api" / "index.html").read_text()


@pytest.fixture
def docs_copy(tmp_path: Path) -> Path:
    """A copy of the site's sources, to break on purpose."""
    shutil.copytree(REPO / "docs", tmp_path / "docs")
    config = (REPO / "mkdocs.yml").read_text().replace(
        "devtools/revertrisk_devtools/mkdocs_hooks.py",
        str(REPO / "devtools/revertrisk_devtools/mkdocs_hooks.py"),
    )
    (tmp_path / "mkdocs.yml").write_text(config)
    return tmp_path


def _append(page: str, text: str) -> Callable[[Path], None]:
    def breaking(docs: Path) -> None:
        path = docs / page
        path.write_text((path.read_text() if path.exists() else "") + text)

    return breaking


@pytest.mark.parametrize(
    ("breaking", "named"),
    [
        (_append("operating.md", "\nSee [the old page](no-such-page.md).\n"), "no-such-page.md"),
        (_append("operating.md", "\nSee [a section](api.md#no-such-section).\n"), "no-such-section"),
        (_append("orphan.md", "# Orphan\n"), "orphan.md"),
        (_append("operating.md", "\n<!-- reference:nosuch -->\n"), "nosuch"),
    ],
    ids=["broken link", "broken anchor", "page missing from the navigation", "unknown reference"],
)
def test_a_broken_site_fails_the_build(
    docs_copy: Path, breaking: Callable[[Path], None], named: str
) -> None:
    breaking(docs_copy / "docs")
    result = mkdocs_build(docs_copy / "mkdocs.yml", docs_copy / "site")
    assert result.returncode != 0
    assert named in result.stderr


def test_every_setting_is_described() -> None:
    table = docs_reference.settings_table()
    assert table.count("\n| `") == len(Settings.model_fields)


def test_a_setting_without_description_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    field = Settings.model_fields["http_port"]
    monkeypatch.setattr(field, "description", None)
    with pytest.raises(docs_reference.UndocumentedError, match="HTTP_PORT"):
        docs_reference.settings_table()


def test_every_error_code_is_in_the_catalogue() -> None:
    table = docs_reference.error_table()
    codes = {
        cls.code for cls in vars(errors).values()
        if isinstance(cls, type) and issubclass(cls, errors.ServiceError) and "code" in vars(cls)
    } - {errors.ServiceError.code}
    assert codes
    for code in codes:
        assert f"| `{code}` |" in table
    assert "| `unauthorized` | 401 |" in table and "`WWW-Authenticate`" in table


def test_an_error_class_without_docstring_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    class Undocumented(errors.ServiceError):
        code = "undocumented_case"
        status = 418

    Undocumented.__module__ = errors.__name__
    with pytest.raises(docs_reference.UndocumentedError, match="Undocumented"):
        docs_reference.error_table()
    del Undocumented  # __subclasses__ holds it weakly: gone for the other tests
    gc.collect()


def test_the_command_reference_lists_every_command() -> None:
    reference = docs_reference.cli_reference()
    for command in ("serve", "train", "signals", "precache", "dataset build", "dataset feedback",
                    "feedback migrate", "dev-wiki"):
        assert f"### `revertrisk {command}`" in reference
    assert "`--port`" in reference


def test_a_command_without_description_is_refused() -> None:
    app = typer.Typer(help="A command group whose commands say nothing.")

    @app.command()
    def one() -> None:
        pass

    @app.command()
    def two() -> None:
        pass

    with pytest.raises(docs_reference.UndocumentedError, match="one"):
        docs_reference.cli_reference(app)

