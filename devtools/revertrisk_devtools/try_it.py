"""`make try`: the service against a real local MediaWiki, offline, in one command.

Starts the fixture wiki (local_wiki.py) and `revertrisk serve` reading every wiki from it, then
prints `curl` commands that score edits of that wiki, and keeps both running until Ctrl-C.
    python -m revertrisk_devtools.try_it [--port 8080] [--wiki-port 8081] [--dir var/try]
"""

from __future__ import annotations

import argparse
import os
import shlex
import signal
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
        with run_service({"WIKI_URL": wiki.base_url}, args.dir, port=args.port) as service:
            print("Ready. Score an edit of the local wiki:")
            for command in curl_commands(service.base_url, wiki.revs):
                print(f"  {command}")
            ids = os.path.relpath(wiki.workdir / "fixture-ids.json")
            print(f"Fixture revisions: {ids}. Ctrl-C stops both.", flush=True)
            try:
                service.process.wait()
            except KeyboardInterrupt:
                pass
    except RuntimeError as exc:  # the service did not come up: run_service says why
        sys.exit(f"error: {exc}")
    finally:
        stop_local_wiki(wiki_process)


if __name__ == "__main__":
    main()
