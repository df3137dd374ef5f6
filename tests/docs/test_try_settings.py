"""The settings `make try` gives the service, which the documentation's examples rely on."""

from __future__ import annotations

import hashlib
from pathlib import Path

from revertrisk_devtools.try_it import DEMO_TOKEN, DEMO_TOOL, service_environment
from revertrisk_service.config import Settings


def test_make_try_serves_feedback_and_links_to_its_own_wiki(tmp_path: Path) -> None:
    """The settings `make try` gives the service: the demo token it prints works, the patrol
    page links to the local wiki."""
    env = service_environment("http://127.0.0.1:8081", tmp_path)
    assert env["WIKI_URL"] == env["PATROL_LINK_URL"] == "http://127.0.0.1:8081"
    tool, digest = Path(env["FEEDBACK_TOKENS_FILE"]).read_text().split()
    assert (tool, digest) == (DEMO_TOOL, hashlib.sha256(DEMO_TOKEN.encode()).hexdigest())
    assert env["FEEDBACK_DATABASE_URL"].startswith(f"sqlite:///{tmp_path}")
    settings = Settings(**{k.lower(): v for k, v in env.items()})
    assert settings.patrol_link_url == "http://127.0.0.1:8081"
