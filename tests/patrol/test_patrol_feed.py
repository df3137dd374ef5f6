"""The patrol feed: rows for every new score, a bounded backlog, slow pages lose old rows."""

from __future__ import annotations

from dataclasses import replace

from support.edits import scored_edit as edit

from revertrisk_service.patrol.feed import PatrolFeed, patrol_row


def test_row_has_diff_link_user_anonymity_and_score() -> None:
    row = patrol_row(edit(101, "request", probability=0.42))
    assert row["diff_url"] == "https://de.wikipedia.org/w/index.php?diff=101&oldid=100"
    assert row["user"] == "192.0.2.1" and row["anonymous"] is True
    assert row["score"] == 0.42 and row["wiki"] == "dewiki"
    assert row["id"] == "revertrisk-language-agnostic:dewiki:101"
    assert patrol_row(replace(edit(5), user_text=None))["user"] is None


async def test_backlog_is_bounded_and_subscribers_get_new_rows() -> None:
    feed = PatrolFeed(backlog=3, subscriber_queue=2)
    for rev_id in range(1, 6):
        feed.offer(edit(rev_id))
    assert [r["rev_id"] for r in feed.recent()] == [3, 4, 5]
    queue = feed.subscribe()
    for rev_id in range(6, 10):
        feed.offer(edit(rev_id))
    # The slow subscriber keeps the newest rows.
    assert [queue.get_nowait()["rev_id"] for _ in range(queue.qsize())] == [8, 9]
    feed.unsubscribe(queue)
    feed.offer(edit(10))
    assert queue.empty()


def test_links_go_to_the_configured_wiki_when_one_serves_every_language() -> None:
    feed = PatrolFeed(link_base="http://127.0.0.1:8081/")
    feed.offer(replace(edit(101), page_title="Zürich Hauptbahnhof"))
    row = feed.recent()[-1]
    assert row["diff_url"] == "http://127.0.0.1:8081/w/index.php?diff=101&oldid=100"
    assert row["page_url"] == "http://127.0.0.1:8081/w/index.php?title=Z%C3%BCrich_Hauptbahnhof"
