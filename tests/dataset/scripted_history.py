"""A scripted edit history for the dataset builder's end-to-end tests, written as a history.json
with its texts (the local wiki's fixture format), and the labels it must give, by revision key.

Every case the labels must handle is here: vandalism reverted by another editor, consecutive bad edits
reverted at once, a partial undo restoring no earlier state, good edits, an IP editor, page
creations, an edit war, a revert outside the 48-hour window, plus a bot and a talk page.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

IP_EDITOR = "192.0.2.7"
SECOND_IP = "198.51.100.23"

INTRO = "'''{title}''' is a topic of this test wiki.\n\n== History ==\n"
S = {  # sentences that revisions add or remove
    "a": "It was first described in 1901 by a botanist.",
    "b": "Later studies measured its rate in several climates.",
    "c": "A review in 2010 summarised the field.",
    "d": "The process depends on light and water.",
    "e": "Researchers in Japan repeated the experiment in 1964.",
    "f": "Its efficiency is lower in cold weather.",
}


def text(title: str, *sentences: str, junk: str = "") -> str:
    body = " ".join(S[k] for k in sentences)
    return INTRO.format(title=title) + body + (f"\n\n{junk}" if junk else "") + "\n"


@dataclass(frozen=True)
class Expected:
    reverted: bool | None  # None: filtered out, with the filter's name in `filtered`
    reverting: str | None = None  # key of the reverting revision
    filtered: str | None = None


def _rev(key, user, ts, content, comment="", minor=False):
    return {"key": key, "user": user, "timestamp": ts, "minor": minor, "comment": comment,
            "content": content}  # fmt: skip


def script() -> tuple[list[dict], dict[str, Expected]]:
    """(pages with revisions, expected outcome per revision key)."""
    A, B, G, D = "Alpha", "Beta", "Gamma", "Delta"
    pages = [
        {"name": "alpha", "title": A, "revisions": [
            _rev("a_create", "Alice", "2024-03-01T09:00:00Z", text(A, "a"), "New article"),
            _rev("a_good", "Bob", "2024-03-01T10:00:00Z", text(A, "a", "b"), "Add a sourced sentence"),
            _rev("a_vandal_ip", IP_EDITOR, "2024-03-01T11:00:00Z",
                 text(A, "a", "b", junk="LOL THIS IS SO STUPID!!!! poop")),
            _rev("a_revert", "Carol", "2024-03-01T11:05:00Z", text(A, "a", "b"),
                 f"Reverted edits by {IP_EDITOR}"),
            _rev("a_good2", "Alice", "2024-03-02T09:00:00Z", text(A, "a", "b", "c"), "Add a review"),
            _rev("a_bot", "Tidybot", "2024-03-02T10:00:00Z", text(A, "a", "b", "c", "d"),
                 "Bot: add a sentence", minor=True),
        ]},
        {"name": "beta", "title": B, "revisions": [
            _rev("b_create", "Alice", "2024-03-03T09:00:00Z", text(B, "a", "b"), "New article"),
            _rev("b_bad1", "Dave", "2024-03-03T10:00:00Z", text(B, "a"), "removing wrong stuff"),
            _rev("b_bad2", "Dave", "2024-03-03T10:02:00Z", text(B, "a", junk="Dave was here")),
            _rev("b_revert", "Carol", "2024-03-03T10:30:00Z", text(B, "a", "b"), "Revert to Alice"),
            _rev("b_good", "Bob", "2024-03-04T09:00:00Z", text(B, "a", "b", "c", "d"), "Two sentences"),
            _rev("b_ip_good", SECOND_IP, "2024-03-04T10:00:00Z", text(B, "a", "b", "c", "d", "e")),
            _rev("b_partial_undo", "Carol", "2024-03-04T11:00:00Z", text(B, "a", "b", "c", "e"),
                 "Partly undo: the second sentence is unsourced"),
        ]},
        {"name": "gamma", "title": G, "revisions": [
            _rev("g_create", "Alice", "2024-03-05T09:00:00Z", text(G, "a"), "New article"),
            _rev("g_edit", "Bob", "2024-03-05T10:00:00Z", text(G, "a", "f"), "Add a fact"),
            _rev("g_war1", "Carol", "2024-03-05T10:10:00Z", text(G, "a"), "Revert: unsourced"),
            _rev("g_war2", "Bob", "2024-03-05T10:20:00Z", text(G, "a", "f"), "Revert: it is sourced"),
            _rev("g_war3", "Carol", "2024-03-05T10:30:00Z", text(G, "a"), "Revert again"),
        ]},
        {"name": "delta", "title": D, "revisions": [
            _rev("d_create", "Alice", "2024-03-06T09:00:00Z", text(D, "a", "b"), "New article"),
            _rev("d_late_reverted", "Dave", "2024-03-06T10:00:00Z", text(D, "a", "b", "e")),
            _rev("d_late_revert", "Carol", "2024-03-10T10:00:00Z", text(D, "a", "b"),
                 "Revert an edit of four days ago"),
        ]},
        {"name": "talk_alpha", "title": "Talk:Alpha", "revisions": [
            _rev("t_create", "Dave", "2024-03-01T08:00:00Z", "Is this notable?\n", "question"),
            _rev("t_reply", "Bob", "2024-03-01T08:30:00Z", "Is this notable?\n:Yes.\n", "reply"),
        ]},
    ]
    e = Expected
    expected = {
        "a_create": e(None, filtered="page_creation"),
        "a_good": e(False),
        "a_vandal_ip": e(True, "a_revert"),
        "a_revert": e(False),
        "a_good2": e(False),
        "a_bot": e(None, filtered="bot"),
        "b_create": e(None, filtered="page_creation"),
        "b_bad1": e(True, "b_revert"),
        "b_bad2": e(True, "b_revert"),
        "b_revert": e(False),
        "b_good": e(False),
        "b_ip_good": e(False),
        "b_partial_undo": e(False),
        "g_create": e(None, filtered="page_creation"),
        "g_edit": e(True, "g_war1"),
        "g_war1": e(None, filtered="edit_war"),
        "g_war2": e(None, filtered="edit_war"),
        "g_war3": e(False),
        "d_create": e(None, filtered="page_creation"),
        "d_late_reverted": e(False),  # reverted after four days: outside the 48-hour window
        "d_late_revert": e(False),
        "t_create": e(None, filtered="not_content_namespace"),
        "t_reply": e(None, filtered="not_content_namespace"),
    }
    return pages, expected


USERS = [
    {"name": "Alice", "role": "alice", "groups": [], "registration": "2023-01-01T00:00:00Z"},
    {"name": "Bob", "role": "bob", "groups": [], "registration": "2023-01-01T00:00:00Z"},
    {"name": "Carol", "role": "carol", "groups": ["sysop"], "registration": "2023-01-01T00:00:00Z"},
    {"name": "Dave", "role": "dave", "groups": [], "registration": "2023-01-01T00:00:00Z"},
    {"name": "Tidybot", "role": "bot", "groups": ["bot"], "registration": "2023-01-01T00:00:00Z"},
]


def write_history(directory: Path) -> tuple[Path, dict[str, Expected], list[dict]]:
    """history.json and texts/ in `directory`; returns its path, the expectations, the pages."""
    pages, expected = script()
    texts = directory / "texts"
    texts.mkdir(parents=True, exist_ok=True)
    out_pages = []
    for page in pages:
        revisions = []
        for rev in page["revisions"]:
            name = f"{rev['key']}.wiki"
            (texts / name).write_text(rev["content"], encoding="utf-8")
            revisions.append({k: v for k, v in rev.items() if k != "content"} | {"text": name})
        out_pages.append({"name": page["name"], "title": page["title"], "model": "wikitext",
                          "revisions": revisions})  # fmt: skip
    history = {"users": USERS, "anonymous_editors": {"ip": IP_EDITOR, "ip2": SECOND_IP},
               "pages": out_pages}  # fmt: skip
    path = directory / "history.json"
    path.write_text(json.dumps(history, indent=1), encoding="utf-8")
    return path, expected, pages
