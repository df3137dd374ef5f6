"""What an installation without the optional parts does, as the CPU image is built: the shipped
models serve without torch or transformers; a manifest that reads text-model scores, or
`revertrisk dev-wiki` without the dev tools, fails in one line that says what to install.

Each case runs `revertrisk` in a subprocess whose import system hides the packages, exactly
as if they were not installed (ModuleNotFoundError, the error a missing package raises)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from revertrisk_service.models.multilingual.text_classifiers import TEXT_EXTRA_PACKAGES
from revertrisk_service.signals.text_models import TEXT_SCORE_FEATURES

REPO = Path(__file__).resolve().parents[1]
ML = "revertrisk-multilingual"

HIDE = """
import sys
class Hide:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in HIDDEN:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
sys.meta_path.insert(0, Hide())
"""


def run_without(hidden: tuple[str, ...], code: str, *args: str, env: dict[str, str] | None = None):
    program = f"HIDDEN = {set(hidden)!r}\n{HIDE}\n{code}"
    return subprocess.run(
        [sys.executable, "-c", program, *args], check=False, capture_output=True, text=True,
        timeout=240,
        env={**os.environ, **(env or {})}, cwd=REPO,
    )


def cli_without(hidden: tuple[str, ...], *args: str, env: dict[str, str] | None = None):
    code = "from revertrisk_service.cli import app\nsys.argv[0] = 'revertrisk'\napp()"
    return run_without(hidden, code, *args, env=env)


def test_the_shipped_models_load_without_the_text_extra() -> None:
    result = run_without(TEXT_EXTRA_PACKAGES, """
from revertrisk_service.config import Settings
from revertrisk_service.models.registry import load_scorer
settings = Settings()
for name in settings.enabled_models():
    load_scorer(name, settings)
print(sorted(m for m in sys.modules if m.split(".")[0] in HIDDEN))
""")
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip() == "[]"


def test_a_text_model_manifest_without_the_extra_fails_serve_in_one_line(tmp_path: Path) -> None:
    shutil.copytree(REPO / "models" / ML, tmp_path / ML)
    manifest = json.loads((tmp_path / ML / "model.json").read_text())
    manifest["features"] = [*manifest["features"][:-1], *TEXT_SCORE_FEATURES, manifest["features"][-1]]
    (tmp_path / ML / "model.json").write_text(json.dumps(manifest))

    result = cli_without(
        TEXT_EXTRA_PACKAGES, "serve", "--port", "1",
        env={"MODELS": ML, "MODELS_DIR": str(tmp_path), "WORKERS": "1"},
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr[-3000:]
    assert lines[0].startswith(f"revertrisk: error: {ML} ")
    assert "torch, transformers, tokenizers" in lines[0]
    assert "pip install 'revertrisk-service[text]'" in lines[0]


def test_dev_wiki_without_the_dev_tools_fails_in_one_line() -> None:
    result = cli_without(("revertrisk_devtools",), "dev-wiki", "--port", "1")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr[-3000:]
    assert "make dev-wiki" in lines[0] and "development tools" in lines[0]


def test_training_from_parquet_without_pyarrow_fails_in_one_line(tmp_path: Path) -> None:
    result = cli_without(("pyarrow",), "train", "language-agnostic", "--data", str(tmp_path))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr[-3000:]
    assert "pip install 'revertrisk-service[dataset]'" in lines[0]
