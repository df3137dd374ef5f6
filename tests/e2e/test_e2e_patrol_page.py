"""The live patrol page in a real headless Chromium: edits replayed into the service appear, the
filters work, the keyboard reaches everything, a phone-sized window reads without sideways
scrolling, and every asset comes from the service. Screenshots are saved as test artifacts
(var/test-artifacts/, or $TEST_ARTIFACTS_DIR)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from revertrisk_devtools.service_process import REPO, RunningService, run_service

pytestmark = pytest.mark.e2e

LA = "revertrisk-language-agnostic"
ARTIFACTS = Path(os.environ.get("TEST_ARTIFACTS_DIR", REPO / "var" / "test-artifacts"))


@pytest.fixture(scope="module")
def service(local_wiki, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningService]:
    env = {"WIKI_URL": local_wiki.base_url, "MODELS": LA}
    with run_service(env, tmp_path_factory.mktemp("patrol")) as running:
        yield running


def wait_until(condition: Callable[[], Any], timeout_s: float = 20.0) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("condition not met in time")


def shown_rows(driver: Any) -> list[dict[str, str]]:
    return driver.execute_script(
        "return [...document.querySelectorAll('#edits tbody tr')].map(tr => ({"
        "rev: tr.dataset.revId, wiki: tr.dataset.wiki, score: tr.dataset.score,"
        "text: tr.innerText, href: tr.querySelector('a').href}))"
    )


def replay(service: RunningService, lang: str, rev_id: int) -> float:
    response = httpx.post(
        f"{service.base_url}/v1/models/{LA}:predict?refresh=true",
        json={"lang": lang, "rev_id": rev_id},
        timeout=60,
    )
    assert response.status_code == 200, response.text
    return response.json()["output"]["probabilities"]["true"]


def test_patrol_page_live_filters_keyboard_phone(service: RunningService, local_wiki, browser) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    driver = browser
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    driver.get(f"{service.base_url}/patrol/")
    wait_until(lambda: "Live" in driver.find_element(By.ID, "status").text)

    revs = local_wiki.revs
    replayed = {
        ("enwiki", revs["registered_edit"]): replay(service, "en", revs["registered_edit"]),
        ("enwiki", revs["anonymous_edit"]): replay(service, "en", revs["anonymous_edit"]),
        ("enwiki", revs["bot_edit"]): replay(service, "en", revs["bot_edit"]),
        ("dewiki", revs["sysop_edit"]): replay(service, "de", revs["sysop_edit"]),
    }
    rows = wait_until(lambda: (r := shown_rows(driver)) and len(r) >= len(replayed) and r)
    assert {(r["wiki"], int(r["rev"])) for r in rows} == set(replayed)
    anonymous = next(r for r in rows if int(r["rev"]) == revs["anonymous_edit"])
    assert local_wiki.users["anonymous"] in anonymous["text"] and "anonymous" in anonymous["text"]
    assert anonymous["href"] == (
        f"https://en.wikipedia.org/w/index.php?diff={revs['anonymous_edit']}"
        f"&oldid={revs['registered_edit']}"
    )
    bot = next(r for r in rows if int(r["rev"]) == revs["bot_edit"])
    assert "bot" in bot["text"]
    driver.save_screenshot(str(ARTIFACTS / "patrol-desktop.png"))

    # Keyboard only: Tab from the top reaches the skip link, then the wiki filter.
    body = driver.find_element(By.TAG_NAME, "body")
    body.send_keys(Keys.TAB)
    assert driver.switch_to.active_element.get_attribute("class") == "skip"
    driver.switch_to.active_element.send_keys(Keys.TAB)
    wiki_select = driver.switch_to.active_element
    assert wiki_select.get_attribute("id") == "wiki"
    # Choose dewiki with the arrow keys (options: All wikis, enwiki, dewiki in arrival order).
    while wiki_select.get_attribute("value") != "dewiki":
        wiki_select.send_keys(Keys.ARROW_DOWN)
    wait_until(lambda: {r["wiki"] for r in shown_rows(driver)} == {"dewiki"})
    while wiki_select.get_attribute("value") != "":
        wiki_select.send_keys(Keys.ARROW_UP)
    wait_until(lambda: len(shown_rows(driver)) == len(replayed))

    # A minimum score between the lowest and highest replayed scores hides the low ones.
    scores = sorted(replayed.values())
    cut = round((scores[0] + scores[-1]) / 2, 3)
    threshold = driver.find_element(By.ID, "threshold")
    threshold.send_keys(Keys.CONTROL, "a")
    threshold.send_keys(str(cut))
    expected = {key for key, p in replayed.items() if p >= cut}
    wait_until(lambda: {(r["wiki"], int(r["rev"])) for r in shown_rows(driver)} == expected)

    # The high-recall preset uses the model's threshold for "maximum filter_rate @ recall >= 0.9".
    presets = httpx.get(f"{service.base_url}/patrol/presets").json()["models"][LA]["presets"]
    high_recall = next(p["threshold"] for p in presets if p["name"] == "high recall")
    button = driver.find_element(By.CSS_SELECTOR, "[data-preset='high recall']")
    button.send_keys(Keys.SPACE)  # a focused button activates from the keyboard
    assert button.get_attribute("aria-pressed") == "true"
    expected = {key for key, p in replayed.items() if p >= high_recall}
    wait_until(lambda: {(r["wiki"], int(r["rev"])) for r in shown_rows(driver)} == expected)

    # Rows keep arriving live while a filter is on.
    late = replay(service, "en", revs["cyrillic_edit"])
    if late >= high_recall:
        wait_until(lambda: any(int(r["rev"]) == revs["cyrillic_edit"] for r in shown_rows(driver)))
    driver.find_element(By.CSS_SELECTOR, "[data-preset='']").send_keys(Keys.ENTER)
    wait_until(lambda: len(shown_rows(driver)) == len(replayed) + 1)

    # Phone-sized: no sideways scrolling, rows stacked as cards.
    driver.set_window_size(390, 844)
    wait_until(lambda: driver.execute_script(
        "return document.documentElement.scrollWidth <= window.innerWidth"))
    driver.execute_script("document.querySelector('#edits tbody').scrollIntoView()")
    driver.save_screenshot(str(ARTIFACTS / "patrol-phone.png"))

    # Every resource the page loaded came from the service itself.
    resources = driver.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)"
    )
    assert resources and all(name.startswith(service.base_url) for name in resources)
    assert (ARTIFACTS / "patrol-desktop.png").stat().st_size > 0


@pytest.fixture(scope="module")
def feedback_service(local_wiki, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RunningService, Path]]:
    from revertrisk_service.feedback.tokens import hash_token

    directory = tmp_path_factory.mktemp("patrol-feedback")
    (directory / "tokens").write_text(f"patrol-page {hash_token('page-token')}\n")
    database = directory / "feedback.sqlite3"
    env = {"WIKI_URL": local_wiki.base_url, "MODELS": LA, "SCORING_PROCESSES": "0",
           "FEEDBACK_TOKENS_FILE": str(directory / "tokens"),
           "FEEDBACK_DATABASE_URL": f"sqlite:///{database}"}
    with run_service(env, directory) as running:
        yield running, database


def tab_until(driver: Any, found: Callable[[Any], bool], limit: int = 60) -> Any:
    """Press Tab until the focused element satisfies `found` (keyboard navigation only)."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    for _ in range(limit):
        ActionChains(driver).send_keys(Keys.TAB).perform()
        element = driver.switch_to.active_element
        if found(element):
            return element
    raise AssertionError("Tab never reached the element")


def test_patrol_page_keyboard_judgment_is_recorded(feedback_service, local_wiki, browser) -> None:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from sqlalchemy import create_engine, select

    from revertrisk_service.feedback.schema import current

    service, database = feedback_service
    driver = browser
    driver.set_window_size(1280, 900)
    driver.get(f"{service.base_url}/patrol/")
    wait_until(lambda: "Live" in driver.find_element(By.ID, "status").text)
    rev = local_wiki.revs["anonymous_edit"]
    score = replay(service, "en", rev)
    wait_until(lambda: any(int(r["rev"]) == rev for r in shown_rows(driver)))
    # Without a token, no judgment buttons.
    assert not driver.find_elements(By.CSS_SELECTOR, "#edits [data-judgment]")

    # Keyboard only: Tab to the name and token fields, type, Tab to "Use", Enter.
    keys = ActionChains(driver)
    tab_until(driver, lambda e: e.get_attribute("id") == "feedback-reviewer")
    keys.send_keys("Keyboard Patroller").perform()
    ActionChains(driver).send_keys(Keys.TAB, "page-token").perform()
    assert driver.switch_to.active_element.get_attribute("id") == "feedback-token"
    ActionChains(driver).send_keys(Keys.TAB).perform()
    assert driver.switch_to.active_element.get_attribute("id") == "feedback-save"
    ActionChains(driver).send_keys(Keys.ENTER).perform()
    wait_until(lambda: driver.find_elements(By.CSS_SELECTOR, "#edits [data-judgment]"))
    assert driver.execute_script("return sessionStorage.getItem('revertrisk.feedbackToken')") == "page-token"
    assert "page-token" not in driver.current_url

    # Tab into the row, then the shortcut "d" judges it as damaging.
    tab_until(driver, lambda e: e.get_attribute("data-judgment") == "damaging")
    ActionChains(driver).send_keys("d").perform()
    row = f"#edits tbody tr[data-rev-id='{rev}']"
    wait_until(lambda: "Recorded: Damaging" in driver.find_element(By.CSS_SELECTOR, row).text)

    engine = create_engine(f"sqlite:///{database}")
    with engine.connect() as connection:
        stored = connection.execute(select(current).where(current.c.rev_id == rev)).mappings().all()
    engine.dispose()
    assert [(r["judgment"], r["reviewer"], r["tool"], r["wiki_db"], r["model_name"])
            for r in stored] == [("damaging", "Keyboard Patroller", "patrol-page", "enwiki", LA)]
    assert abs(stored[0]["score"] - score) < 1e-6

    # The chosen preset's observed precision is shown, as the API reports it.
    button = tab_until(driver, lambda e: e.get_attribute("data-preset") == "high recall")
    ActionChains(driver).send_keys(Keys.SPACE).perform()
    assert button.get_attribute("aria-pressed") == "true"
    observed = httpx.get(f"{service.base_url}/v1/models/{LA}/feedback").json()
    preset = next(p for p in observed["presets"] if p["name"] == "high recall")
    text = wait_until(lambda: (t := driver.find_element(By.ID, "observed").text) and t)
    assert "Observed in use, high recall" in text and "not a random sample" in text
    if preset["threshold"] is not None and preset["n"]:
        assert f"from {preset['n']} judged edit" in text
        assert f"{100 * preset['precision']:.0f}%" in text
    driver.find_element(By.CSS_SELECTOR, "[data-preset='']").send_keys(Keys.ENTER)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    ActionChains(driver).send_keys(Keys.SHIFT + Keys.TAB).perform()
    button.send_keys(Keys.SPACE)
    wait_until(lambda: driver.find_element(By.ID, "observed").text)
    driver.save_screenshot(str(ARTIFACTS / "patrol-feedback.png"))
    assert (ARTIFACTS / "patrol-feedback.png").stat().st_size > 0


def test_patrol_rows_show_reasons_and_an_expandable_diff(
    service: RunningService, local_wiki, browser
) -> None:
    """While the page is open, new scores come with their top three reasons (the same as the
    API's explanation, which the cache now holds) and the text the edit added and removed, which
    opens from the keyboard."""
    import asyncio

    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    from revertrisk_service.mediawiki.client import MediaWikiClient
    from revertrisk_service.signals import edit_signals
    from revertrisk_service.wikis import resolve_lang

    driver = browser
    driver.set_window_size(1280, 900)
    driver.get(f"{service.base_url}/patrol/")
    wait_until(lambda: "Live" in driver.find_element(By.ID, "status").text)
    rev = local_wiki.revs["identity_revert"]
    replay(service, "en", rev)
    row_css = f"#edits tbody tr[data-rev-id='{rev}']"
    row = wait_until(lambda: driver.find_elements(By.CSS_SELECTOR, row_css))[0]

    # The reasons are the explanation's three largest contributions, in words.
    shown = [li.text for li in row.find_elements(By.CSS_SELECTOR, ".reasons li")]
    explained = httpx.post(
        f"{service.base_url}/v1/models/{LA}:predict",
        json={"lang": "en", "rev_id": rev, "explain": True, "explain_top": 3},
        timeout=60,
    )
    assert explained.headers["X-Cache"] == "hit"  # explained when scored for the open page
    top = explained.json()["output"]["explanation"]["contributions"]
    assert len(shown) == len(top) == 3
    for text, reason in zip(shown, top, strict=True):
        assert reason["description"] in text
        assert ("raises risk" in text) == (reason["contribution"] > 0)

    # The diff: closed at first; Tab from the page link reaches its summary, Enter opens it.
    details = row.find_element(By.CSS_SELECTOR, "details.diff")
    assert details.get_attribute("open") is None
    driver.execute_script("arguments[0].focus()", row.find_element(By.CSS_SELECTOR, "a"))
    driver.switch_to.active_element.send_keys(Keys.TAB)
    assert driver.switch_to.active_element.tag_name == "summary"
    driver.switch_to.active_element.send_keys(Keys.ENTER)
    wait_until(lambda: details.get_attribute("open") is not None)

    async def fetch_texts():
        client = MediaWikiClient(local_wiki.base_url, "revertrisk-service tests")
        try:
            (context,) = await client.fetch_edits([(resolve_lang("en"), rev)])
        finally:
            await client.aclose()
        return edit_signals(context, ["texts"])["texts"]

    texts = asyncio.run(fetch_texts())
    assert texts is not None
    inserted = [*texts.inserts, *(new for _, new in texts.changes)]
    removed = [*texts.removes, *(old for old, _ in texts.changes)]
    shown_inserted = driver.execute_script(
        "return [...arguments[0].querySelectorAll('ins')].map(e => e.textContent)", details
    )
    shown_removed = driver.execute_script(
        "return [...arguments[0].querySelectorAll('del')].map(e => e.textContent)", details
    )
    assert inserted or removed
    assert shown_inserted == [t[:300] for t in inserted[:12]]
    assert shown_removed == [t[:300] for t in removed[:12]]
    assert all(e.is_displayed() for e in details.find_elements(By.CSS_SELECTOR, "ins, del"))
    driver.execute_script("arguments[0].scrollIntoView()", row)
    driver.save_screenshot(str(ARTIFACTS / "patrol-reasons-desktop.png"))

    # Space closes it again; on a phone, the open diff fits without sideways scrolling.
    driver.switch_to.active_element.send_keys(Keys.SPACE)
    wait_until(lambda: details.get_attribute("open") is None)
    driver.switch_to.active_element.send_keys(Keys.ENTER)
    driver.set_window_size(390, 844)
    wait_until(lambda: driver.execute_script(
        "return document.documentElement.scrollWidth <= window.innerWidth"))
    driver.execute_script("arguments[0].scrollIntoView()", row)
    driver.save_screenshot(str(ARTIFACTS / "patrol-reasons-phone.png"))
    assert (ARTIFACTS / "patrol-reasons-phone.png").stat().st_size > 0
