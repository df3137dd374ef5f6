"""Every runnable example of the documentation, run as written against the `make try` stack.

The convention (docs/development.md, "The examples are tested"): a ```sh block runs, with
`localhost:8080` and `127.0.0.1:8080` pointed at this test's service; a ```json block right after
it is its expected answer, checked field by field (an answer may carry more fields; numbers to
1e-6; "…" stands for any value), and an expected error body must come with a 4xx or 5xx status,
anything else with a 2xx. ```console and ```text blocks are shown, never run.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from revertrisk_devtools.service_process import RunningService, run_service
from revertrisk_devtools.try_it import service_environment

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
PAGES = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
FENCE = re.compile(r"^```(\w*)\n(.*?)^```$", re.MULTILINE | re.DOTALL)
ANY = "…"
STATUS = re.compile(r"\n@@status (\d{3})@@\n")
# Every curl of a block reports its status after its body; the block's own `-s` etc. stay.
CURL_WITH_STATUS = "curl() { command curl --write-out '\\n@@status %{http_code}@@\\n' \"$@\"; }\n"


@dataclass(frozen=True)
class Example:
    page: Path
    line: int
    script: str
    expected: Any | None

    @property
    def name(self) -> str:
        return f"{self.page.relative_to(REPO)}:{self.line}"


def examples() -> list[Example]:
    found = []
    for page in PAGES:
        text = page.read_text()
        blocks = list(FENCE.finditer(text))
        for index, block in enumerate(blocks):
            if block.group(1) != "sh":
                continue
            following = blocks[index + 1] if index + 1 < len(blocks) else None
            expected = (json.loads(following.group(2))
                        if following is not None and following.group(1) == "json" else None)
            line = text.count("\n", 0, block.start()) + 1
            found.append(Example(page, line, block.group(2), expected))
    return found


EXAMPLES = examples()


def test_the_pages_have_runnable_examples() -> None:
    """So that the test below cannot pass by finding nothing."""
    assert len(EXAMPLES) >= 12
    assert sum(example.expected is not None for example in EXAMPLES) >= 10
    assert {example.page.name for example in EXAMPLES} >= {"README.md", "api.md", "ores.md",
                                                          "feedback.md", "index.md"}


@pytest.fixture(scope="module")
def try_stack(local_wiki, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningService]:
    """What `make try` starts: the fixture wiki and the service with try_it's own settings."""
    if shutil.which("curl") is None:
        pytest.skip("the examples are curl commands: install curl")
    workdir = tmp_path_factory.mktemp("try")
    with run_service(service_environment(local_wiki.base_url, workdir), workdir) as service:
        yield service


def matches(expected: Any, actual: Any, where: str = "") -> list[str]:
    """Where `actual` departs from what the documentation shows (empty: it does not)."""
    if expected == ANY:
        return []
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [f"{where or 'answer'}: expected an object, got {actual!r:.200}"]
        return [problem for key, value in expected.items()
                for problem in (matches(value, actual[key], f"{where}.{key}") if key in actual
                                else [f"{where}.{key}: missing"])]
    if isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            return [f"{where}: expected {len(expected)} items, got {actual!r:.200}"]
        return [problem for i, (e, a) in enumerate(zip(expected, actual, strict=True))
                for problem in matches(e, a, f"{where}[{i}]")]
    if isinstance(expected, float) and isinstance(actual, int | float):
        return [] if abs(expected - actual) <= 1e-6 else [f"{where}: {actual} is not {expected}"]
    return [] if expected == actual else [f"{where}: {actual!r:.200} is not {expected!r:.200}"]


def run_example(example: Example, base_url: str) -> list[tuple[str, int]]:
    host = base_url.removeprefix("http://")
    script = re.sub(r"(localhost|127\.0\.0\.1):8080", host, example.script)
    result = subprocess.run(["bash", "-euo", "pipefail", "-c", CURL_WITH_STATUS + script],
                            capture_output=True, text=True, check=False, timeout=120, cwd=REPO)
    assert result.returncode == 0, (example.name, result.stderr[-2000:])
    parts = STATUS.split(result.stdout)
    return [(parts[i], int(parts[i + 1])) for i in range(0, len(parts) - 1, 2)]


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda example: example.name)
def test_the_example_runs_as_written(example: Example, try_stack: RunningService) -> None:
    answers = run_example(example, try_stack.base_url)
    assert answers, f"{example.name}: no curl answered"
    for body, status in answers[:-1]:
        assert 200 <= status < 300, (example.name, status, body)
    body, status = answers[-1]
    if example.expected is None:
        assert 200 <= status < 300, (example.name, status, body)
        return
    is_error = isinstance(example.expected, dict) and "code" in example.expected
    assert (status >= 400) if is_error else (200 <= status < 300), (example.name, status, body)
    problems = matches(example.expected, json.loads(body))
    assert not problems, (example.name, problems)
