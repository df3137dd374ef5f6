"""`make try`: the service against a real local MediaWiki, offline, in one command.

Starts the fixture wiki (local_wiki.py) and `revertrisk serve` reading every wiki from it, with
patroller feedback on under a demo token and the patrol page's links pointing at that wiki, then
prints `curl` commands that score edits of that wiki, and keeps both running until Ctrl-C.
    python -m revertrisk_devtools.try_it [--port 8080] [--wiki-port 8081] [--dir var/try]
"""

from __future__ import annotations

import argparse
import errno
import hashlib
import os
import shlex
import signal
import socket
import sys
import time
from pathlib import Path

from revertrisk_devtools.local_wiki import LocalWikiUnavailable, start_local_wiki, stop_local_wiki
from revertrisk_devtools.service_process import run_service

# (model, lang, fixture revision): one edit of the local wiki each shipped model serves.
EXAMPLES = (
    ("revertrisk-language-agnostic", "en", "anonymous_edit"),
    ("revertrisk-multilingual", "ru", "cyrillic_edit"),
)


# Feedback needs a token; this one is printed, and only ever guards a throwaway local database.
DEMO_TOKEN = "try-demo-token"
DEMO_TOOL = "make-try"


def port_taken(port: int, host: str) -> bool:
    """Whether something already listens there (a socket in TIME_WAIT does not count: servers
    bind with SO_REUSEADDR, as this probe does)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                return True
            raise
    return False


def busy_port_message(taken: int, what: str, port: int, wiki_port: int) -> str:
    return (f"error: port {taken} ({what}) is already in use: stop what holds it, or choose free "
            f"ports: make try PORT={port + 10} WIKI_PORT={wiki_port + 10}")


def service_environment(wiki_base_url: str, workdir: Path) -> dict[str, str]:
    """The service's settings for the try: every wiki from the local one, its links too, and
    feedback on with the demo token, judgments in a SQLite file of the work directory."""
    tokens = workdir / "feedback-tokens"
    tokens.write_text(f"{DEMO_TOOL} {hashlib.sha256(DEMO_TOKEN.encode()).hexdigest()}\n")
    return {
        "WIKI_URL": wiki_base_url,
        "PATROL_LINK_URL": wiki_base_url,
        "FEEDBACK_TOKENS_FILE": str(tokens.resolve()),
        "FEEDBACK_DATABASE_URL": f"sqlite:///{(workdir / 'feedback.sqlite3').resolve()}",
    }


def curl_commands(service_url: str, revs: dict[str, int]) -> list[str]:
    commands = []
    for model, lang, key in EXAMPLES:
        body = shlex.quote(f'{{"lang": "{lang}", "rev_id": {revs[key]}}}')
        commands.append(f"curl -s {service_url}/v1/models/{model}:predict -d {body}")
    return commands


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8080, help="the service's port")
    parser.add_argument("--wiki-port", type=int, default=8081, help="the local wiki's port")
    parser.add_argument("--dir", type=Path, default=Path("var/try"), help="work directory (wiped)")
    args = parser.parse_args(argv)
    # The PHP server and the service outlive us unless a polite stop unwinds the finally blocks.
    signal.signal(signal.SIGTERM, lambda signum, _frame: sys.exit(128 + signum))
    # A busy port is said at once, in one line, rather than as a server's dying log.
    for taken, host, what in ((args.port, "0.0.0.0", "the service"),
                              (args.wiki_port, "127.0.0.1", "the local wiki")):
        if port_taken(taken, host):
            sys.exit(busy_port_message(taken, what, args.port, args.wiki_port))

    print("Starting a real MediaWiki with the fixture history (about 20 s)...", flush=True)
    started = time.monotonic()
    try:
        wiki, wiki_process = start_local_wiki(args.dir / "wiki", args.wiki_port)
    except (LocalWikiUnavailable, ValueError) as exc:
        sys.exit(f"error: {exc} (the Debian packages come with `make system-deps`)")
    try:
        print(f"  {wiki.api_url} ready in {time.monotonic() - started:.0f} s", flush=True)
        print(f"Starting revertrisk serve on port {args.port}, WIKI_URL={wiki.base_url} "
              f"(20-60 s; log: {args.dir / f'service-{args.port}.log'})...", flush=True)
        args.dir.mkdir(parents=True, exist_ok=True)
        env = service_environment(wiki.base_url, args.dir)
        with run_service(env, args.dir, port=args.port) as service:
            print("Ready. Score an edit of the local wiki:")
            for command in curl_commands(service.base_url, wiki.revs):
                print(f"  {command}")
            print(f"Patroller feedback is on, with the demo token: TOKEN={DEMO_TOKEN}")
            ids = os.path.relpath(wiki.workdir / "fixture-ids.json")
            print(f"Fixture revisions: {ids}. Ctrl-C stops both.", flush=True)
            try:
                service.process.wait()
            except KeyboardInterrupt:
                pass
    except RuntimeError as exc:  # the service did not come up: run_service says why
        if "address already in use" in str(exc).lower():
            sys.exit(busy_port_message(args.port, "the service", args.port, args.wiki_port))
        sys.exit(f"error: {exc}")
    finally:
        stop_local_wiki(wiki_process)


if __name__ == "__main__":
    main()
