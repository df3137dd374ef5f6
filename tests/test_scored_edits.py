"""Announcing new scores: only computed predictions with a fetched edit, listeners isolated."""

from __future__ import annotations

from datetime import UTC, datetime

from revertrisk_service.errors import RevisionNotFound
from revertrisk_service.mediawiki.types import EditContext, Page, Revision, User
from revertrisk_service.scored_edits import ORIGIN_HEADER, ScoredEdit, ScoreListeners, origin_of
from revertrisk_service.scoring.prediction import prediction_body
from revertrisk_service.wikis import resolve_lang

EN = resolve_lang("en")
WHEN = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)


def revision(rev_id: int, parent_id: int) -> Revision:
    return Revision(
        rev_id=rev_id, parent_id=parent_id, page_id=7, page_title="Alpha", namespace=0,
        timestamp=WHEN, user_text="Mallory", user_id=12, comment="", size=10, minor=False,
        tags=(), content="x", content_model="wikitext",
    )


def context(rev_id: int) -> EditContext:
    return EditContext(
        wiki=EN,
        revision=revision(rev_id, rev_id - 1),
        parent=revision(rev_id - 1, rev_id - 2),
        user=User(name="Mallory", user_id=12, is_anonymous=False, is_temporary=False,
                  groups=("bot",)),
        page=Page(page_id=7, title="Alpha", namespace=0, created_at=WHEN),
    )


def test_announces_computed_predictions_only() -> None:
    seen: list[ScoredEdit] = []

    def broken(edit: ScoredEdit) -> None:
        raise RuntimeError("a listener bug must not fail scoring")

    listeners = ScoreListeners(broken, seen.append)
    revisions = [(EN, 11), (EN, 12), (EN, 13)]
    outcomes = [
        prediction_body("m", "v1", "enwiki", 11, 0.9),
        RevisionNotFound("gone"),
        prediction_body("m", "v1", "enwiki", 13, 0.2),
    ]
    # 13 has no fetched edit (e.g. a pre-save draft): nothing to show a patroller.
    listeners.announce(revisions, outcomes, {("enwiki", 11): context(11)}, "precache")
    (edit,) = seen
    assert (edit.rev_id, edit.parent_id, edit.user_text, edit.is_bot) == (11, 10, "Mallory", True)
    assert (edit.model_name, edit.model_version, edit.probability, edit.prediction) == (
        "m", "v1", 0.9, True,
    )
    assert edit.origin == "precache"


def test_origin() -> None:
    assert origin_of({ORIGIN_HEADER: "precache"}, "batch") == "precache"
    assert origin_of({}, "event") == "event"
    assert origin_of(None, "single") == "request"
