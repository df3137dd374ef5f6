"""One declaration per signal: every shipped name declared once, found by one grep, solved lazily."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from revertrisk_service.mediawiki.types import EditContext, Page, Revision, User
from revertrisk_service.signals import (
    CATALOGUE,
    EDIT_CONTEXT,
    MissingInput,
    SignalError,
    UnknownSignal,
    describe,
    edit_signals,
    given_facts,
    lookup,
    solve,
)
from revertrisk_service.signals.catalogue import Catalogue
from revertrisk_service.signals.core import root, signal
from revertrisk_service.wikis import resolve_lang

REPO = Path(__file__).resolve().parents[2]
SRC = REPO / "src"
MANIFESTS = sorted((REPO / "models").glob("*/model.json"))
# A declaration: signal("name", ...), root(...), alias(...), or a family's pattern, written as
# family="pattern" or named once (`EDIT_TYPE_FAMILY = "pattern"`) for catalogue queries.
# Not a method of the same name (Spark's `column.alias("wiki_db")`): a declaration is a call.
DECLARATION = re.compile(
    r'(?<![\w.])(?:signal|root|alias|model_output)\(\s*"([^"]+)"|(?:family=|_FAMILY = )"([^"]+)"'
)


def _declared_names_in_src() -> list[str]:
    """Every name (or family pattern) written in a declaration anywhere under src/."""
    found = []
    for path in SRC.rglob("*.py"):
        for single, family in DECLARATION.findall(path.read_text(encoding="utf-8")):
            found.append(single or family)
    return found


def test_every_shipped_feature_is_declared_once() -> None:
    assert MANIFESTS, "the shipped manifests are present"
    for manifest in MANIFESTS:
        features = json.loads(manifest.read_text())["features"]
        assert [n for n in features if n not in CATALOGUE] == [], manifest
        assert all(describe(n) for n in features)


def test_one_grep_finds_each_declaration_once() -> None:
    written = _declared_names_in_src()
    for name, declared in CATALOGUE.items():
        # A family (the edit-type counts) is one declaration in a loop: its f-string pattern.
        key = name if declared.family is None else declared.family
        assert written.count(key) == 1, (name, key)
        path, line = declared.declared_at.rsplit(":", 1)
        source = (SRC / path).read_text(encoding="utf-8").splitlines()
        assert source[int(line) - 1].strip(), declared.declared_at


def test_a_family_is_listed_by_a_catalogue_query() -> None:
    from revertrisk_service.edits.user import FLAGGED_GROUPS
    from revertrisk_service.signals.editor import GROUP_FLAG_FAMILY
    from revertrisk_service.signals.facts import INTERFACE_FLAG_FAMILY
    from revertrisk_service.signals.groups import EDIT_STRUCTURE, USER
    from revertrisk_service.signals.structure import LA_EDIT_TYPE_FAMILY

    language_agnostic = CATALOGUE.names(family=LA_EDIT_TYPE_FAMILY)
    assert language_agnostic[:3] == ("actions_insert_argument", "actions_remove_argument",
                                     "actions_change_argument")  # fmt: skip
    assert len(language_agnostic) == 22 * 3 and "actions_change_table_element" in language_agnostic
    assert CATALOGUE.names(group=USER, family=GROUP_FLAG_FAMILY) == tuple(
        f"is_{group}" for group in FLAGGED_GROUPS
    )
    assert CATALOGUE.names(group=EDIT_STRUCTURE, family=INTERFACE_FLAG_FAMILY) == (
        "is_mobile_edit", "is_mobile_web_edit", "is_visualeditor", "is_wikieditor",
        "is_mobile_app_edit", "is_android_app_edit", "is_ios_app_edit",
    )  # fmt: skip
    assert CATALOGUE.names(group=USER, family=LA_EDIT_TYPE_FAMILY) == ()
    assert CATALOGUE.names(group=USER) == CATALOGUE.in_group(USER)


def test_the_duplicates_are_gone() -> None:
    assert "comment_is_section_edit" not in CATALOGUE
    assert lookup("comment_mentions_revert").group == "summary"
    with pytest.raises(ValueError, match="declared twice"):
        Catalogue([lookup("comment_length"), lookup("comment_length")])


def _context(comment: str = "rv vandalism") -> EditContext:
    when = datetime(2024, 5, 2, tzinfo=UTC)

    def revision(rev_id: int, text: str) -> Revision:
        return Revision(rev_id=rev_id, parent_id=rev_id - 1, page_id=1, page_title="Tokyo",
                        namespace=0, timestamp=when, user_text="x", user_id=0, comment=comment,
                        size=len(text), minor=False, tags=(), content=text,
                        content_model="wikitext")  # fmt: skip

    return EditContext(
        wiki=resolve_lang("en"), revision=revision(2, "Tokyo is big. LOL!!!!"),
        parent=revision(1, "Tokyo is big."),
        user=User(name="x", user_id=0, is_anonymous=True, is_temporary=False),
        page=Page(page_id=1, title="Tokyo", namespace=0, created_at=when - timedelta(days=9)),
    )  # fmt: skip


def test_only_what_is_asked_for_is_computed_each_once() -> None:
    profile: dict[str, float] = {}
    values = edit_signals(_context(), ["comment_mentions_revert", "comment_length"], profile)
    assert values == {"comment_mentions_revert": 1.0, "comment_length": 12.0}
    # The comment was read once for both, and the revision pair was never parsed.
    assert set(profile) == {"comment", "comment_mentions_revert", "comment_length"}
    profile.clear()
    edit_signals(_context(), ["ins_chars", "actions_insert_sentence"], profile)
    assert {"changed_sections", "edit_diff", "texts", "fragments"} <= set(profile)
    assert "wikitext_delta" not in profile


def test_an_interface_flag_reads_every_tag_of_its_interface() -> None:
    from dataclasses import replace

    context = _context()
    switched = replace(context, revision=replace(context.revision, tags=("visualeditor-switched",)))
    flags = ["is_visualeditor", "is_wikieditor", "is_mobile_edit"]
    assert edit_signals(switched, flags) == dict.fromkeys(flags, False) | {"is_visualeditor": True}


def test_given_values_are_used_and_missing_facts_stay_missing() -> None:
    values = solve(["comment_is_empty", "user_age_days"], given_facts(comment=""))
    assert values == {"comment_is_empty": 1.0, "user_age_days": None}


def test_errors_name_the_failing_signal() -> None:
    with pytest.raises(MissingInput, match=r"'edit_context' \(needed by 'comment'\)"):
        solve(["comment_length"], {})
    with pytest.raises(UnknownSignal):
        solve(["no_such_signal"], {EDIT_CONTEXT: _context()})
    broken = Catalogue([root("x", "An input.", "test"),
                        signal("halves", "x halved.", "test", ["x"], lambda x: x / 2)])
    with pytest.raises(SignalError) as failure:
        solve(["halves"], {"x": "not a number"}, catalogue=broken)
    assert failure.value.signal == "halves"


def test_revertrisk_signals_lists_name_group_description_and_models() -> None:
    from typer.testing import CliRunner

    from revertrisk_service.cli import app

    result = CliRunner().invoke(app, ["signals", "--group", "summary"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    line = next(x for x in result.output.splitlines() if "comment_has_wikilink" in x)
    assert "summary" in line and "[[wikilink]]" in line
    assert "revertrisk-language-agnostic" in line
    assert "ins_chars" not in result.output


def test_revertrisk_signals_piped_is_one_parseable_line_per_signal() -> None:
    """Through a pipe, names are never wrapped: tab-separated lines under a header."""
    import os
    import subprocess
    import sys

    from revertrisk_service.signals.catalogue import CATALOGUE

    result = subprocess.run(
        [sys.executable, "-m", "revertrisk_service.cli", "signals"], capture_output=True,
        text=True, check=True, timeout=120, env={**os.environ, "COLUMNS": "80"},
    )
    lines = result.stdout.splitlines()
    assert lines[0].split("\t") == ["name", "group", "description", "used by"]
    rows = [line.split("\t") for line in lines[1:]]
    assert all(len(row) == 4 for row in rows)
    assert [row[0] for row in rows] == list(CATALOGUE)


def test_revertrisk_signals_of_an_unknown_group_says_so_in_one_line() -> None:
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "revertrisk_service.cli", "signals", "--group", "nosuchgroup"],
        capture_output=True, text=True, check=False, timeout=120,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert "no signal group 'nosuchgroup'" in result.stderr and "summary" in result.stderr
