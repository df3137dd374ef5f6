"""The shipped revertrisk-multilingual artifact, loaded and scoring hand-built edits."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest
from tokenizers import BertWordPieceTokenizer
from transformers import BertConfig, BertForSequenceClassification, BertTokenizer

from revertrisk_service.edits.facts import facts_from_context
from revertrisk_service.errors import ModelArtifactError
from revertrisk_service.mediawiki.types import EditContext, Page, Revision, User
from revertrisk_service.models.manifest import load_manifest
from revertrisk_service.models.multilingual.features import FEATURE_NAMES
from revertrisk_service.models.multilingual.model import DEFAULT_MODEL_DIR, MultilingualModel
from revertrisk_service.models.scorer import Scorer
from revertrisk_service.wikis import resolve_lang


def _facts(contexts):
    return [facts_from_context(c) for c in contexts]


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
    assert manifest["features"] == list(FEATURE_NAMES)
    assert set(manifest["metrics"]) == {"with_text_features", "baseline_without_text_features"}
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


def test_stale_feature_list_is_refused(tmp_path: Path) -> None:
    target = _copy_artifact(tmp_path)
    manifest = json.loads((target / "model.json").read_text())
    manifest["features"] = manifest["features"][1:]
    (target / "model.json").write_text(json.dumps(manifest))
    with pytest.raises(ModelArtifactError):
        MultilingualModel.load(target, device="cpu")


def test_missing_text_model_is_an_artifact_error(tmp_path: Path) -> None:
    target = _copy_artifact(tmp_path)
    shutil.rmtree(target / "text_models" / "remove")
    with pytest.raises(ModelArtifactError):
        MultilingualModel.load(target, device="cpu")


def test_a_differently_sized_checkpoint_drops_in(tmp_path: Path) -> None:
    """Stands for the production fine-tuned mBERT: another vocabulary, width and depth."""
    target = _copy_artifact(tmp_path)
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
    for kind in ("insert", "change"):
        checkpoint = target / "text_models" / kind
        shutil.rmtree(checkpoint)
        BertForSequenceClassification(config).save_pretrained(checkpoint)
        tokenizer.save_pretrained(checkpoint)
    swapped = MultilingualModel.load(target, device="cpu", max_length=512, max_texts_per_revision=4)
    # The 64-position checkpoint caps the truncation length below the asked-for 512.
    assert swapped.classifiers["insert"].max_length == 64
    long_insert = _context(
        "en", "X", "A.\n", "A. " + "Short one. " * 20 + "word " * 2000 + "\n", True
    )
    scores = swapped.score(_facts([*CONTEXTS, long_insert]))
    assert len(scores) == len(CONTEXTS) + 1
    assert all(0.0 < s < 1.0 for s in scores)
