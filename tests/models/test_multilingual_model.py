"""The shipped revertrisk-multilingual artifact, loaded and scoring hand-built edits."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest
import torch
from tokenizers import BertWordPieceTokenizer
from transformers import BertConfig, BertForSequenceClassification, BertTokenizer
from typer.testing import CliRunner

from revertrisk_service import cli
from revertrisk_service.errors import ModelArtifactError
from revertrisk_service.mediawiki.types import EditContext, Page, Revision, User
from revertrisk_service.models.manifest import load_manifest
from revertrisk_service.models.multilingual.features import ALL_FEATURES
from revertrisk_service.models.multilingual.model import DEFAULT_MODEL_DIR, MultilingualModel
from revertrisk_service.models.scorer import Scorer
from revertrisk_service.signals import edit_signals, model_inputs
from revertrisk_service.signals.text_models import TEXT_KINDS, TEXT_SCORE_FEATURES
from revertrisk_service.training.multilingual import DATA_FILE, DEFAULT_DATA_DIR
from revertrisk_service.wikis import resolve_lang


def _facts(contexts):
    """What any multilingual artifact may read (its own manifest picks its features)."""
    return [edit_signals(c, model_inputs(ALL_FEATURES)) for c in contexts]


def _revision(rev_id: int, content: str, title: str, tags: tuple[str, ...] = ()) -> Revision:
    return Revision(
        rev_id=rev_id, parent_id=rev_id - 1, page_id=7, page_title=title, namespace=0,
        timestamp=datetime(2024, 5, 1, tzinfo=UTC), user_text="Someone", user_id=3,
        comment="", size=len(content.encode()), minor=False, tags=tags, content=content,
        content_model="wikitext",
    )  # fmt: skip


def _context(lang: str, title: str, before: str, after: str, anonymous: bool, tags=()):
    user = User(
        name=None if anonymous else "Someone", user_id=0 if anonymous else 3,
        is_anonymous=anonymous, is_temporary=False,
        groups=() if anonymous else ("autoconfirmed", "extendedconfirmed"),
    )  # fmt: skip
    return EditContext(
        wiki=resolve_lang(lang),
        revision=_revision(101, after, title, tags),
        parent=_revision(100, before, title),
        user=user,
        page=Page(7, title, 0, None),
    )


CONTEXTS = [
    _context(
        "en", "Paris",
        "'''Paris''' is the capital of France. It lies on the Seine.\n\n== History ==\nOld.\n",
        "'''Paris''' is the capital and largest city of France. It lies on the Seine. "
        "lol my friend is the best!!!\n\n== History ==\nOld.\n[[Category:Capitals]]\n",
        anonymous=True, tags=("mobile edit", "mobile web edit"),
    ),
    _context(
        "ru", "Казань",
        "'''Казань''' — город в России. Население около миллиона.\n",
        "'''Казань''' — город в России. Население более миллиона.<ref>Перепись</ref>\n",
        anonymous=False, tags=("visualeditor",),
    ),
    _context("ar", "بغداد", "بغداد عاصمة العراق. تقع على دجلة.\n", "بغداد عاصمة العراق.\n", True),
    _context("ja", "京都市", "京都市は都市である。\n", "京都市は日本の都市である。寺が多い！\n", False),
    _context("de", "Bonn", "Bonn ist eine Stadt.\n", "Bonn ist eine Stadt.\n{{Navigationsleiste}}\n", False),
]  # fmt: skip


needs_data = pytest.mark.skipif(
    not (DEFAULT_DATA_DIR / DATA_FILE).exists(), reason="shared/data is not present"
)


@pytest.fixture(scope="module")
def model() -> MultilingualModel:
    return MultilingualModel.load(DEFAULT_MODEL_DIR, device="cpu")


def test_loads_the_shipped_artifact(model: MultilingualModel) -> None:
    assert isinstance(model, Scorer)
    assert model.name == "revertrisk-multilingual"
    assert model.version == load_manifest(DEFAULT_MODEL_DIR).version
    langs = model.supported_langs()
    assert {"en", "de", "ja", "ru", "ar", "zh", "fa", "uk"} <= set(langs)
    assert model.supports(resolve_lang("fr"))
    assert not model.supports(resolve_lang("la"))


def test_artifact_has_no_pickle_and_stays_small() -> None:
    files = [p for p in DEFAULT_MODEL_DIR.rglob("*") if p.is_file()]
    assert not [p for p in files if p.suffix in {".pkl", ".pickle", ".bin", ".pt", ".joblib"}]
    assert sum(p.stat().st_size for p in files) < 40 * 1024 * 1024
    manifest = json.loads((DEFAULT_MODEL_DIR / "model.json").read_text())
    assert set(manifest["features"]) <= set(ALL_FEATURES)
    assert set(manifest["metrics"]) == {"holdout", "sources"}  # and per source, across sources
    predictions = pd.read_csv(DEFAULT_MODEL_DIR / "test_predictions.csv")
    assert list(predictions.columns) == ["wiki_db", "revision_id", "is_anonymous", "label", "score"]


def test_scores_a_batch_of_edits_in_several_scripts(model: MultilingualModel) -> None:
    scores = model.score(_facts(CONTEXTS))
    assert len(scores) == len(CONTEXTS)
    assert all(0.0 < s < 1.0 for s in scores)
    # A batch scores each edit as it would be scored alone.
    singles = [model.score(_facts([c]))[0] for c in CONTEXTS]
    assert scores == pytest.approx(singles, abs=1e-5)
    assert model.score(_facts([])) == []


def test_serves_only_the_manifest_wikis(model: MultilingualModel) -> None:
    assert not model.supports(resolve_lang("la"))
    assert model.supports(CONTEXTS[0].wiki)
    assert model.supported_langs() and "la" not in model.supported_langs()


def _copy_artifact(tmp_path: Path) -> Path:
    target = tmp_path / "model"
    shutil.copytree(DEFAULT_MODEL_DIR, target)
    return target


@pytest.mark.parametrize(
    "edit",
    [
        lambda features: features[1:],  # not what the booster was trained on
        lambda features: [*features[:-1], "a_feature_this_code_cannot_compute"],
    ],
)
def test_stale_feature_list_is_refused(tmp_path: Path, edit) -> None:
    target = _copy_artifact(tmp_path)
    manifest = json.loads((target / "model.json").read_text())
    manifest["features"] = edit(manifest["features"])
    (target / "model.json").write_text(json.dumps(manifest))
    with pytest.raises(ModelArtifactError):
        MultilingualModel.load(target, device="cpu")


def _tiny_bert_checkpoints(root: Path) -> Path:
    """A Hugging Face BERT checkpoint directory per text kind, as an operator would lay out the
    production fine-tuned mBERTs: another vocabulary, width and depth than the project's own."""
    wordpiece = BertWordPieceTokenizer(lowercase=False, strip_accents=False)
    wordpiece.train_from_iterator(
        [c.revision.content for c in CONTEXTS] * 3, vocab_size=300, min_frequency=1,
        show_progress=False,
    )  # fmt: skip
    tokenizer = BertTokenizer(vocab=wordpiece.get_vocab(), do_lower_case=False)
    config = BertConfig(
        vocab_size=len(tokenizer), hidden_size=48, num_hidden_layers=3, num_attention_heads=3,
        intermediate_size=96, max_position_embeddings=64, num_labels=2,
    )  # fmt: skip
    for i, kind in enumerate(TEXT_KINDS):
        torch.manual_seed(i)
        BertForSequenceClassification(config).save_pretrained(root / kind)
        tokenizer.save_pretrained(root / kind)
    return root


@pytest.fixture(scope="module")
def dropped_in(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`revertrisk train multilingual --text-models DIR`: CatBoost retrained on the checkpoints'
    outputs, the checkpoints shipped inside the artifact."""
    root = tmp_path_factory.mktemp("mbert")
    checkpoints = _tiny_bert_checkpoints(root / "checkpoints")
    result = CliRunner().invoke(cli.app, [
        "train", "multilingual", "--output-dir", str(root / "model"),
        "--text-models", str(checkpoints), "--data-dir", str(DEFAULT_DATA_DIR),
    ])  # fmt: skip
    assert result.exit_code == 0, result.output
    return root / "model"


@needs_data
@pytest.mark.e2e
def test_operator_checkpoints_drop_in_and_serve(dropped_in: Path) -> None:
    manifest = load_manifest(dropped_in)
    assert [n for n in manifest.features if n in TEXT_SCORE_FEATURES] == list(TEXT_SCORE_FEATURES)
    assert manifest.text_models == {kind: f"text_models/{kind}" for kind in TEXT_KINDS}
    for kind in TEXT_KINDS:
        assert (dropped_in / "text_models" / kind / "config.json").is_file()
        assert (dropped_in / "text_models" / kind / "model.safetensors").is_file()
    served = MultilingualModel.load(dropped_in, device="cpu", max_length=512,
                                    max_texts_per_revision=4)
    # The 64-position checkpoint caps the truncation length below the asked-for 512.
    assert served.classifiers["insert"].max_length == 64
    long_insert = _context(
        "en", "X", "A.\n", "A. " + "Short one. " * 20 + "word " * 2000 + "\n", True
    )
    scores = served.score(_facts([*CONTEXTS, long_insert]))
    assert len(scores) == len(CONTEXTS) + 1
    assert all(0.0 < s < 1.0 for s in scores)
    # The text classifiers' outputs reach CatBoost: another checkpoint gives other scores.
    assert served.text_scores(_facts(CONTEXTS[:1])) is not None


@needs_data
@pytest.mark.e2e
def test_missing_text_model_is_an_artifact_error(dropped_in: Path, tmp_path: Path) -> None:
    target = tmp_path / "model"
    shutil.copytree(dropped_in, target)
    shutil.rmtree(target / "text_models" / "remove")
    with pytest.raises(ModelArtifactError):
        MultilingualModel.load(target, device="cpu")
