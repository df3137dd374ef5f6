"""A throwaway, real MediaWiki (Debian's 1.39 package) on SQLite, served by PHP's built-in server.

The end-to-end tests talk to the genuine Action API rather than a fake, so that the service's
client meets MediaWiki's real quirks (renumbered imported revisions, hidden text, content
models, formatversion=2 shapes). Setup takes a few seconds:

1. ``install.php`` creates a fresh SQLite wiki in a work directory. MediaWiki finds that
   wiki's settings through the ``MW_CONFIG_FILE`` environment variable, so the shared
   install under /usr/share/mediawiki is never written to.
2. ``createAndPromote.php`` creates the fixture users *before* the import, so imported edits
   are attributed to local accounts instead of ``imported>Name``.
3. ``importDump.php`` loads an XML dump built from tests/fixtures/mediawiki/history.json.
4. Real revision ids are read back from the database (the import renumbers them) and the
   revision marked ``hide_text`` gets the "text hidden" bit, exactly what an admin's revision
   deletion stores.
5. ``php -S`` serves a docroot whose ``w`` entry links to the MediaWiki install, so the API
   answers at ``{base_url}/w/api.php`` like Wikimedia's wikis, whatever Host header is sent.

Tests use the session-scoped ``local_wiki`` fixture (tests/conftest.py); people use
``revertrisk dev-wiki`` (or ``scripts/local-wiki.sh``), which calls `serve_until_interrupted`.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from revertrisk_devtools.ports import free_port

MEDIAWIKI_DIR = Path(os.environ.get("MEDIAWIKI_DIR", "/usr/share/mediawiki"))
# The fixture history lives with the tests that assert on it; this tool runs from a checkout.
FIXTURE_DIR = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "mediawiki"
HISTORY_FILE = FIXTURE_DIR / "history.json"

DB_NAME = "revertrisk_test_wiki"
ADMIN_USER = "WikiAdmin"
# Throwaway credentials for a loopback-only wiki that is deleted after the tests.
FIXTURE_PASSWORD = "Fixture-password-for-a-throwaway-wiki-1"
PHP_SERVER_WORKERS = 4  # the service fetches revisions, users and pages concurrently
READY_TIMEOUT_S = 60.0
MISSING_REVISION_OFFSET = 1000
# Imported revisions are numbered from here, far from page and user ids, so a client that
# mixes up revision ids with page ids (or trusts dump order) fails loudly.
FIRST_FIXTURE_REVISION_ID = 1_234_001

# The marker lets start_local_wiki() safely wipe a directory it created earlier, and refuse
# to wipe anything else.
_MARKER = ".revertrisk-local-wiki"
# MediaWiki's Revision::DELETED_TEXT bit in revision.rev_deleted.
_REV_DELETED_TEXT = 1
_EXPORT_NS = "http://www.mediawiki.org/xml/export-0.11/"
_XML_NS = "http://www.w3.org/XML/1998/namespace"
_REQUIRED_PHP_MODULES = ("pdo_sqlite", "mbstring", "xml", "intl")
_CONTENT_FORMATS = {"wikitext": "text/x-wiki", "json": "application/json"}


class LocalWikiUnavailable(RuntimeError):
    """PHP or MediaWiki is missing or broken on this machine, so no local wiki can run."""


@dataclass(frozen=True)
class FixtureRevision:
    key: str
    user: str
    timestamp: str
    minor: bool
    comment: str
    text: str
    hide_text: bool = False


@dataclass(frozen=True)
class FixturePage:
    name: str
    title: str
    model: str
    revisions: tuple[FixtureRevision, ...]


@dataclass(frozen=True)
class FixtureUser:
    name: str
    role: str
    groups: tuple[str, ...]
    registration: str


@dataclass(frozen=True)
class FixtureHistory:
    users: tuple[FixtureUser, ...]
    anonymous_editors: dict[str, str]
    pages: tuple[FixturePage, ...]

    def revision(self, key: str) -> tuple[FixturePage, FixtureRevision]:
        for page in self.pages:
            for revision in page.revisions:
                if revision.key == key:
                    return page, revision
        raise KeyError(key)


@dataclass
class LocalWiki:
    """A running local wiki and the real ids of its fixture history."""

    base_url: str  # what the service takes as WIKI_URL: it calls f"{base_url}/w/api.php"
    api_url: str
    workdir: Path
    history: FixtureHistory
    # Where the fixture revisions' text files are (history.json's "text" names them).
    texts_dir: Path = FIXTURE_DIR / "texts"
    # Fixture revision key (see history.json) -> real revision id; "missing" is an id that
    # does not exist.
    revs: dict[str, int] = field(default_factory=dict)
    # Role ("registered", "sysop", "bot", "anonymous", "anonymous_hidden") -> user name or IP.
    users: dict[str, str] = field(default_factory=dict)
    user_ids: dict[str, int] = field(default_factory=dict)  # user name -> user id
    page_titles: dict[str, str] = field(default_factory=dict)  # page name -> title
    page_ids: dict[str, int] = field(default_factory=dict)  # page name -> page id

    def text_of(self, key: str) -> str:
        """The wikitext (or JSON) a fixture revision was saved with."""
        _, revision = self.history.revision(key)
        return (self.texts_dir / revision.text).read_text(encoding="utf-8")


def load_history(path: Path = HISTORY_FILE) -> FixtureHistory:
    raw = json.loads(path.read_text(encoding="utf-8"))
    history = FixtureHistory(
        users=tuple(
            FixtureUser(u["name"], u["role"], tuple(u["groups"]), u["registration"])
            for u in raw["users"]
        ),
        anonymous_editors=dict(raw["anonymous_editors"]),
        pages=tuple(
            FixturePage(
                name=p["name"],
                title=p["title"],
                model=p["model"],
                revisions=tuple(
                    FixtureRevision(
                        key=r["key"],
                        user=r["user"],
                        timestamp=r["timestamp"],
                        minor=r["minor"],
                        comment=r["comment"],
                        text=r["text"],
                        hide_text=r.get("hide_text", False),
                    )
                    for r in p["revisions"]
                ),
            )
            for p in raw["pages"]
        ),
    )
    # Real ids are matched back by timestamp, so timestamps and keys must be unique.
    revisions = [r for page in history.pages for r in page.revisions]
    if len({r.timestamp for r in revisions}) != len(revisions):
        raise ValueError(f"{path}: fixture revision timestamps must be unique")
    if len({r.key for r in revisions}) != len(revisions):
        raise ValueError(f"{path}: fixture revision keys must be unique")
    return history


def _dump_root() -> ET.Element:
    ET.register_namespace("", _EXPORT_NS)
    return ET.Element(f"{{{_EXPORT_NS}}}mediawiki", {"version": "0.11", f"{{{_XML_NS}}}lang": "en"})


def _child(parent: ET.Element, tag: str, text: str | None = None) -> ET.Element:
    element = ET.SubElement(parent, f"{{{_EXPORT_NS}}}{tag}")
    element.text = text
    return element


def _append_page(
    root: ET.Element, title: str, model: str, revisions: Sequence[tuple[FixtureRevision, str]]
) -> None:
    """One <page> of an export-0.11 dump: each revision with the text it was saved with."""
    page_el = _child(root, "page")
    _child(page_el, "title", title)
    for revision, text in revisions:
        rev_el = _child(page_el, "revision")
        _child(rev_el, "timestamp", revision.timestamp)
        contributor = _child(rev_el, "contributor")
        if _is_ip(revision.user):
            _child(contributor, "ip", revision.user)
        else:
            _child(contributor, "username", revision.user)
        if revision.minor:
            _child(rev_el, "minor")
        _child(rev_el, "comment", revision.comment)
        _child(rev_el, "model", model)
        _child(rev_el, "format", _CONTENT_FORMATS[model])
        text_el = _child(rev_el, "text", text)
        text_el.set(f"{{{_XML_NS}}}space", "preserve")
        text_el.set("bytes", str(len(text.encode("utf-8"))))


def build_dump_xml(history: FixtureHistory, texts_dir: Path = FIXTURE_DIR / "texts") -> bytes:
    """An export-0.11 XML dump of the fixture pages, as Special:Export would write it."""
    root = _dump_root()
    for page in history.pages:
        revisions = [
            (r, (texts_dir / r.text).read_text(encoding="utf-8"))
            for r in page.revisions
        ]
        _append_page(root, page.title, page.model, revisions)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def import_pages(
    wiki: LocalWiki, pages: Mapping[str, Sequence[str]], user: str
) -> dict[str, list[int]]:
    """Add wikitext pages (title -> its successive texts, by `user`) to a running local wiki,
    for benchmarks that need larger articles than the fixtures'. Returns each page's revision
    ids, oldest first."""
    root = _dump_root()
    start = datetime(2025, 1, 1, tzinfo=UTC)
    for n, (title, texts) in enumerate(pages.items()):
        revisions = [
            (
                FixtureRevision(
                    key=f"{title}#{i}", user=user, minor=False, comment=f"edit {i}", text="",
                    timestamp=(start + timedelta(minutes=10 * n + i)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                ),
                text,
            )
            for i, text in enumerate(texts)
        ]
        _append_page(root, title, "wikitext", revisions)
    dump = wiki.workdir / f"import-{os.getpid()}-{time.monotonic_ns()}.xml"
    dump.write_bytes(ET.tostring(root, encoding="utf-8", xml_declaration=True))
    _maintenance(wiki.workdir, "importDump.php", "--no-updates", str(dump))
    dump.unlink()
    ids: dict[str, list[int]] = {}
    db = _database(wiki.workdir)
    try:
        for title in pages:
            rows = db.execute(
                "SELECT rev_id FROM revision JOIN page ON rev_page = page_id "
                "WHERE page_namespace = 0 AND page_title = ? ORDER BY rev_id",
                (title.replace(" ", "_"),),
            )
            ids[title] = [int(rev_id) for (rev_id,) in rows]
    finally:
        db.close()
    return ids


def check_prerequisites() -> None:
    """Raise LocalWikiUnavailable, saying what to install, if a local wiki cannot run here."""
    if shutil.which("php") is None:
        raise LocalWikiUnavailable(
            "php is not installed (Debian: php-cli; see scripts/install-system-deps.sh)"
        )
    if not (MEDIAWIKI_DIR / "maintenance" / "install.php").is_file():
        raise LocalWikiUnavailable(
            f"MediaWiki is not installed at {MEDIAWIKI_DIR} (Debian: mediawiki; or set MEDIAWIKI_DIR)"
        )
    modules = subprocess.run(["php", "-m"], capture_output=True, text=True, check=False).stdout
    loaded = {line.strip().lower() for line in modules.splitlines()}
    missing = [m for m in _REQUIRED_PHP_MODULES if m not in loaded]
    if missing:
        raise LocalWikiUnavailable(
            f"PHP modules missing: {', '.join(missing)} (see scripts/install-system-deps.sh)"
        )


def start_local_wiki(
    workdir: Path, port: int | None = None, history_file: Path = HISTORY_FILE
) -> tuple[LocalWiki, subprocess.Popen[bytes]]:
    """Install a fresh fixture wiki in workdir and serve it; stop it with stop_local_wiki().

    workdir must be empty, missing, or a directory this function created before (it is wiped).
    `history_file` is a history.json with its texts in a `texts/` folder beside it.
    """
    check_prerequisites()
    port = port or free_port()
    workdir = _prepare_workdir(Path(workdir).resolve())
    history = load_history(history_file)
    texts_dir = Path(history_file).parent / "texts"
    base_url = f"http://127.0.0.1:{port}"

    _install(workdir, base_url)
    for user in history.users:
        _create_user(workdir, user)
    _number_revisions_from(workdir, FIRST_FIXTURE_REVISION_ID)
    dump = workdir / "fixture-history.xml"
    dump.write_bytes(build_dump_xml(history, texts_dir))
    _maintenance(workdir, "importDump.php", "--no-updates", str(dump))
    # Link tables, edit counts and the job queue are brought up to date after the import.
    _maintenance(workdir, "refreshLinks.php")
    _maintenance(workdir, "initEditCount.php")
    _maintenance(workdir, "runJobs.php")

    wiki = LocalWiki(
        base_url=base_url,
        api_url=f"{base_url}/w/api.php",
        workdir=workdir,
        history=history,
        texts_dir=texts_dir,
        users={u.role: u.name for u in history.users} | history.anonymous_editors,
        page_titles={p.name: p.title for p in history.pages},
    )
    _read_back_ids_and_hide_text(wiki)

    process = _serve(workdir, port)
    try:
        _wait_until_ready(wiki, process)
    except BaseException:
        stop_local_wiki(process)
        raise
    (workdir / "fixture-ids.json").write_text(
        json.dumps(
            {"base_url": base_url, "revs": wiki.revs, "users": wiki.users, "pages": wiki.page_ids},
            indent=2,
        )
    )
    return wiki, process


def stop_local_wiki(process: subprocess.Popen[bytes]) -> None:
    """Stop the PHP server and its workers (they share the process group we created)."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


@contextlib.contextmanager
def running_local_wiki(
    workdir: Path, port: int | None = None, history_file: Path = HISTORY_FILE
) -> Iterator[LocalWiki]:
    wiki, process = start_local_wiki(workdir, port, history_file)
    try:
        yield wiki
    finally:
        stop_local_wiki(process)


def export_full_history(wiki: LocalWiki, out: Path) -> Path:
    """The wiki's every revision as a real MediaWiki XML history dump (dumpBackup.php --full),
    the format of Wikimedia's pages-meta-history files; `.bz2` or `.gz` names compress it."""
    out = Path(out).resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    compress = {".bz2": "bzip2", ".gz": "gzip"}.get(out.suffix)
    target = f"{compress}:{out}" if compress else f"file:{out}"
    _maintenance(wiki.workdir, "dumpBackup.php", "--full", f"--output={target}")
    return out


# --- installation steps ---------------------------------------------------------------------


def _prepare_workdir(workdir: Path) -> Path:
    if workdir.exists() and any(workdir.iterdir()):
        if not (workdir / _MARKER).exists():
            raise ValueError(
                f"{workdir} is not empty and was not created by the local wiki harness"
            )
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / _MARKER).write_text("Created by tests/support/mediawiki.py; safe to delete.\n")
    return workdir


def _environment(workdir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["MW_CONFIG_FILE"] = str(workdir / "LocalSettings.php")
    env["MW_INSTALL_PATH"] = str(MEDIAWIKI_DIR)
    return env


def _php(workdir: Path, script: Path, *args: str) -> str:
    result = subprocess.run(
        ["php", str(script), *args],
        cwd=MEDIAWIKI_DIR,
        env=_environment(workdir),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if result.returncode != 0:
        raise LocalWikiUnavailable(
            f"{script.name} {' '.join(args)} failed ({result.returncode}):\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}"
        )
    return result.stdout


def _maintenance(workdir: Path, script: str, *args: str) -> str:
    return _php(workdir, MEDIAWIKI_DIR / "maintenance" / script, "--quiet", *args)


def _install(workdir: Path, base_url: str) -> None:
    data_dir = workdir / "data"
    data_dir.mkdir()
    _php(
        workdir,
        MEDIAWIKI_DIR / "maintenance" / "install.php",
        "--dbtype", "sqlite",
        "--dbpath", str(data_dir),
        "--dbname", DB_NAME,
        "--server", base_url,
        "--scriptpath", "/w",
        "--lang", "en",
        "--pass", FIXTURE_PASSWORD,
        "--confpath", str(workdir),
        "--skins", "Vector",
        "Revertrisk Test Wiki",
        ADMIN_USER,
    )  # fmt: skip
    (workdir / "cache").mkdir()
    with (workdir / "LocalSettings.php").open("a", encoding="utf-8") as settings:
        settings.write(_harness_settings(workdir, base_url))
    docroot = workdir / "docroot"
    docroot.mkdir()
    (docroot / "w").symlink_to(MEDIAWIKI_DIR, target_is_directory=True)


def _harness_settings(workdir: Path, base_url: str) -> str:
    return f"""
# --- Added by tests/support/mediawiki.py ---
# A fixed server: the service sends the Host header of the wiki it means (en.wikipedia.org),
# which must neither redirect nor change the URLs MediaWiki builds.
$wgServer = "{base_url}";
$wgCanonicalServer = "{base_url}";
# Jobs run explicitly (runJobs.php) so web requests never do surprise writes.
$wgJobRunRate = 0;
$wgCacheDirectory = "{workdir / "cache"}";
# Nothing may reach the network from tests.
$wgEnableEmail = false;
$wgEnableUserEmail = false;
$wgEnableUploads = false;
$wgUseInstantCommons = false;
$wgPingback = false;
$wgAllowExternalImages = false;
$wgShowExceptionDetails = true;
"""


def _create_user(workdir: Path, user: FixtureUser) -> None:
    flags = [f"--{group}" for group in user.groups]
    _php(
        workdir,
        MEDIAWIKI_DIR / "maintenance" / "createAndPromote.php",
        "--quiet",
        *flags,
        user.name,
        FIXTURE_PASSWORD,
    )


def _database(workdir: Path) -> sqlite3.Connection:
    return sqlite3.connect(workdir / "data" / f"{DB_NAME}.sqlite")


def _number_revisions_from(workdir: Path, first_id: int) -> None:
    """Move SQLite's AUTOINCREMENT counter for revision.rev_id, as a busy wiki's would be."""
    db = _database(workdir)
    try:
        with db:
            db.execute(
                "UPDATE sqlite_sequence SET seq = MAX(seq, ?) WHERE name = 'revision'",
                (first_id - 1,),
            )
    finally:
        db.close()


def _read_back_ids_and_hide_text(wiki: LocalWiki) -> None:
    """Find each fixture revision's real id by its timestamp, then apply revision deletion."""
    by_timestamp = {
        _mw_timestamp(revision.timestamp): revision
        for page in wiki.history.pages
        for revision in page.revisions
    }
    page_of = {
        revision.key: page.name for page in wiki.history.pages for revision in page.revisions
    }
    db = _database(wiki.workdir)
    try:
        with db:
            for rev_id, rev_page, timestamp in db.execute(
                "SELECT rev_id, rev_page, rev_timestamp FROM revision"
            ):
                revision = by_timestamp.get(_as_text(timestamp))
                if revision is None:
                    continue  # e.g. the installer's Main Page
                wiki.revs[revision.key] = int(rev_id)
                wiki.page_ids[page_of[revision.key]] = int(rev_page)
            missing = set(page_of) - set(wiki.revs)
            if missing:
                raise LocalWikiUnavailable(
                    f"importDump.php did not import revisions {sorted(missing)}"
                )
            (max_rev_id,) = db.execute("SELECT MAX(rev_id) FROM revision").fetchone()
            wiki.revs["missing"] = int(max_rev_id) + MISSING_REVISION_OFFSET

            for revision in by_timestamp.values():
                if revision.hide_text:
                    db.execute(
                        "UPDATE revision SET rev_deleted = rev_deleted | ? WHERE rev_id = ?",
                        (_REV_DELETED_TEXT, wiki.revs[revision.key]),
                    )
            for user in wiki.history.users:
                # Accounts were created today; give them a plausible past registration date.
                db.execute(
                    'UPDATE "user" SET user_registration = ? WHERE user_name = ?',
                    (_mw_timestamp(user.registration), user.name),
                )
            for user_id, user_name in db.execute('SELECT user_id, user_name FROM "user"'):
                wiki.user_ids[_as_text(user_name)] = int(user_id)
    finally:
        db.close()


def _serve(workdir: Path, port: int) -> subprocess.Popen[bytes]:
    env = _environment(workdir)
    env["PHP_CLI_SERVER_WORKERS"] = str(PHP_SERVER_WORKERS)
    log = (workdir / "php-server.log").open("ab")
    try:
        return subprocess.Popen(
            [
                "php",
                "-d",
                "display_errors=stderr",
                "-S",
                f"127.0.0.1:{port}",
                "-t",
                str(workdir / "docroot"),
            ],
            cwd=workdir,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # its own process group, so stop_local_wiki() reaches the workers
        )
    finally:
        log.close()


def _wait_until_ready(wiki: LocalWiki, process: subprocess.Popen[bytes]) -> None:
    # The first request also fills MediaWiki's localisation cache, so later ones are quick.
    url = f"{wiki.api_url}?action=query&meta=siteinfo&format=json&formatversion=2"
    deadline = time.monotonic() + READY_TIMEOUT_S
    last_error = "no answer yet"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise LocalWikiUnavailable(
                f"php -S exited with {process.returncode}:\n{_log_tail(wiki.workdir)}"
            )
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                if json.load(response).get("query", {}).get("general"):
                    return
        except (urllib.error.URLError, OSError, ValueError) as exc:
            last_error = repr(exc)
        time.sleep(0.1)
    raise LocalWikiUnavailable(
        f"local wiki not ready after {READY_TIMEOUT_S}s: {last_error}\n{_log_tail(wiki.workdir)}"
    )


def _log_tail(workdir: Path) -> str:
    log = workdir / "php-server.log"
    return log.read_text(errors="replace")[-2000:] if log.exists() else ""


def _mw_timestamp(iso: str) -> str:
    """'2024-01-10T09:00:00Z' -> '20240110090000', MediaWiki's storage format."""
    return datetime.fromisoformat(iso).astimezone(UTC).strftime("%Y%m%d%H%M%S")


def _as_text(value: str | bytes) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else value


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def serve_until_interrupted(workdir: Path, port: int) -> None:
    """Start a fixture wiki by hand and keep it running until interrupted."""
    try:
        wiki, process = start_local_wiki(workdir, port)
    except (LocalWikiUnavailable, ValueError) as exc:
        sys.exit(f"error: {exc}")
    print(f"WIKI_URL={wiki.base_url}")
    print(f"API: {wiki.api_url}")
    print(f"Fixture ids: {wiki.workdir / 'fixture-ids.json'}")
    for key, rev_id in wiki.revs.items():
        print(f"  {key:<24} {rev_id}")
    print("Ctrl-C stops the wiki.", flush=True)

    # The PHP server runs in its own session, so it outlives us unless we stop it on any
    # polite termination signal, not only Ctrl-C.
    def stop_on_signal(signum: int, _frame: object) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, stop_on_signal)
    signal.signal(signal.SIGHUP, stop_on_signal)
    try:
        process.wait()
    except KeyboardInterrupt:
        pass
    finally:
        stop_local_wiki(process)

