"""The builder's pieces without Spark: labels, user facts, dump reading (fast)."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from revertrisk_devtools.history_dump import write_history_dump
from revertrisk_service.dataset.dump_reader import iter_revisions
from revertrisk_service.dataset.dump_source import DumpError
from revertrisk_service.dataset.history_edit import HistoryRevision
from revertrisk_service.dataset.labels import label_page
from revertrisk_service.dataset.options import BOT_NAME
from revertrisk_service.dataset.user_facts import user_facts_in_memory

T0 = datetime(2024, 1, 1, tzinfo=UTC)


def _rev(rev_id: int, sha1: str, minutes: float, user: str = "U") -> HistoryRevision:
    return HistoryRevision(
        rev_id=rev_id, parent_id=rev_id - 1 if rev_id > 1 else None, page_id=1, page_title="P",
        namespace=0, timestamp=T0 + timedelta(minutes=minutes), user_text=user, user_id=7,
        comment="", minor=False, size=1, sha1=sha1, text="", content_model="wikitext",
    )  # fmt: skip


def test_consecutive_edits_reverted_at_once_are_each_labelled() -> None:
    page = [_rev(1, "a", 0), _rev(2, "b", 1), _rev(3, "c", 2), _rev(4, "a", 3), _rev(5, "d", 4)]
    labels = label_page(page).labels
    assert [labels[i].reverted for i in range(1, 6)] == [False, True, True, False, False]
    assert labels[2].reverting_rev_id == labels[3].reverting_rev_id == 4
    assert labels[2].seconds_to_revert == 120.0 and labels[3].seconds_to_revert == 60.0


def test_window_and_radius_bound_the_revert() -> None:
    page = [_rev(1, "a", 0), _rev(2, "b", 1), _rev(3, "a", 60 * 49)]
    assert not label_page(page).labels[2].reverted  # 49 hours > 48
    assert label_page(page, window=timedelta(hours=50)).labels[2].reverted
    long = [_rev(1, "a", 0), *(_rev(i, f"x{i}", i) for i in range(2, 5)), _rev(5, "a", 5)]
    # The radius is how many revisions one revert may undo (mwreverts): here three.
    assert label_page(long, radius=3).labels[2].reverted
    assert not label_page(long, radius=2).labels[2].reverted


def test_edit_war_marks_reverts_reverted_by_the_next_revision() -> None:
    page = [_rev(1, "a", 0), _rev(2, "b", 1), _rev(3, "a", 2), _rev(4, "b", 3), _rev(5, "a", 4)]
    result = label_page(page)
    assert result.edit_war == {3, 4}
    assert result.labels[2].reverting_rev_id == 3  # the first revert counts


def test_bot_names_follow_the_data_lake_rule() -> None:
    assert all(BOT_NAME.match(n) for n in ("ClueBot NG", "Tidybot", "InternetArchiveBot"))
    assert not any(BOT_NAME.match(n) for n in ("Abbott", "Robotics fan", "Alice"))


def test_user_facts_count_earlier_edits_across_pages() -> None:
    rows = [
        {"wiki_db": "enwiki", "user_text": "A", "user_id": 1, "revision_id": 3,
         "revision_timestamp": "2024-01-03T00:00:00Z"},
        {"wiki_db": "enwiki", "user_text": "A", "user_id": 1, "revision_id": 1,
         "revision_timestamp": "2024-01-01T00:00:00Z"},
        {"wiki_db": "enwiki", "user_text": "192.0.2.1", "user_id": None, "revision_id": 2,
         "revision_timestamp": "2024-01-02T00:00:00Z"},
    ]  # fmt: skip
    facts = user_facts_in_memory(rows)
    assert facts[("enwiki", 1)] == {"user_edits_before": 0,
                                    "user_first_edit": "2024-01-01T00:00:00Z"}
    assert facts[("enwiki", 3)]["user_edits_before"] == 1
    assert facts[("enwiki", 2)] == {"user_edits_before": None, "user_first_edit": None}


def test_gzip_dump_reads_like_the_plain_one(tmp_path: Path) -> None:
    plain = write_history_dump(tmp_path / "h.xml", pages=3, revisions_per_page=4)
    packed = tmp_path / "h.xml.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    assert list(iter_revisions(packed)) == list(iter_revisions(plain))
    assert next(iter_revisions(plain)).meta["wiki_db"] == "enwiki"


@pytest.mark.parametrize(("cut", "kind"), [(0.5, "xml"), (0.9, "xml"), (0.6, "xml.bz2")])
def test_a_truncated_dump_names_the_file_and_position(tmp_path: Path, cut: float,
                                                      kind: str) -> None:
    plain = write_history_dump(tmp_path / f"h.{kind}", pages=5, revisions_per_page=4)
    data = plain.read_bytes()
    broken = tmp_path / f"broken.{kind}"
    broken.write_bytes(data[: int(len(data) * cut)])
    with pytest.raises(DumpError) as caught:
        list(iter_revisions(broken))
    assert caught.value.code == "dump_truncated"
    message = str(caught.value)
    assert "broken.xml" in message and ("line " in message or "bzip2" in message)
    assert "\n" not in message
