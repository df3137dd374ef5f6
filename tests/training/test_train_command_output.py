"""What `revertrisk train` says: a wrong --data at once, and the held-out figures in one table
whichever model was trained."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from revertrisk_service.evaluation.summary_table import held_out_rows, print_held_out
from revertrisk_service.locations import ARTIFACTS_DIR
from revertrisk_service.transparency.model_card import build_model_card

MODELS = ("revertrisk-language-agnostic", "revertrisk-multilingual")


def shipped_card(name: str) -> dict:
    model_dir = ARTIFACTS_DIR / name
    return build_model_card(json.loads((model_dir / "model.json").read_text()),
                            json.loads((model_dir / "evaluation.json").read_text()))


def test_a_missing_dataset_is_refused_before_anything_heavy_is_imported() -> None:
    probe = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from revertrisk_service.cli import app\n"
        "result = CliRunner().invoke(app, ['train', 'language-agnostic', '--data', '/nonexistent'])\n"
        "print(result.exit_code)\n"
        "print(result.output.strip())\n"
        "print(sorted(m for m in ('xgboost', 'catboost', 'pyarrow', 'pyspark', 'sklearn') "
        "if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True, timeout=120).stdout.splitlines()
    assert out[0] == "2"
    assert out[1].startswith("revertrisk: error: --data /nonexistent: no such directory")
    assert out[2] == "[]"


def test_both_models_print_the_same_figures() -> None:
    tables = [held_out_rows(shipped_card(name)) for name in MODELS]
    assert [row[0] for row in tables[0]] == [row[0] for row in tables[1]]
    for rows in tables:
        assert rows[0] == ["held-out figure", "value", "95% interval"]
        assert all(row[1] != "-" for row in rows[1:]), rows


@pytest.mark.parametrize("name", MODELS)
def test_piped_figures_are_tab_separated(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    card = shipped_card(name)
    print_held_out(card, terminal=False)
    lines = capsys.readouterr().out.splitlines()
    assert all(len(line.split("\t")) == 3 for line in lines)
    auc = next(line.split("\t") for line in lines if line.startswith("ROC AUC\t"))
    assert float(auc[1]) == round(card["evaluation"]["roc_auc"]["value"], 3)
    assert auc[2].startswith("[") and auc[2].endswith("]")
