"""Where code sits: the layers of `revertrisk_service`, declared once (LAYERS), and checked against
the import graph of the source tree.

The graph is grimp's: every `import` statement in every module of src/revertrisk_service, those
inside functions (lazy imports) and under `if TYPE_CHECKING` included. A package is named by its
top-level name (`precache`, not `precache.kafka`), so a package's own modules may import each
other freely, and a new module inside a package needs nothing here. A new top-level package or
module must be placed in LAYERS: the first test fails until it is.

The rules:
- a module imports only from its own layer or the layers below it, never from a layer above;
- no import cycle, between packages or between modules.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from graphlib import CycleError, TopologicalSorter

import grimp
import pytest

ROOT = "revertrisk_service"

# Top to bottom. A package may import its own layer and every layer below.
LAYERS: tuple[tuple[str, ...], ...] = (
    # The command line: every command, `serve` and `precache` included.
    ("cli",),
    # The two processes' composition roots: `revertrisk serve` (server: builds the engine once,
    # the models, the HTTP edge, the features) and `revertrisk precache`, which builds its own
    # process from the server's builders (server.assembly).
    ("server", "precache"),
    # The HTTP edge in front of the KServe models: the route table (every route, the features'
    # included), its guards and OpenAPI document, the error contract, request ids and predict
    # metrics, client address and limit, the held hits answered at the door.
    ("http",),
    # Features with routers of their own, fed by the models; outcomes keeps its records in the
    # feedback database; versions (champion and challenger, the gate) reads those outcomes.
    ("ores", "patrol", "feedback", "outcomes", "versions"),
    # The KServe model and the shapes of its requests and responses.
    ("serving",),
    # The scoring engine: cache, fetch, one scoring call per missed revision.
    ("scoring",),
    # Offline work: building training data and measuring models.
    ("evaluation", "dataset"),
    # Training: the training-data contract (the signals of a row, the union of the models'
    # features), the dataset reader, the hold-outs and the trainers.
    ("training",),
    # What a score becomes once computed: events, the patrol feed's edits, model cards.
    ("prediction_events", "scored_edits", "transparency"),
    # The served models: their features, loaders and scorers.
    ("models",),
    # Infrastructure: the score cache's stores, the edit stream's events, metrics and log lines,
    # Kafka settings, the settings themselves and the CPUs this process may use.
    # What every command shares (its error line, its settings) sits here too, so that a
    # feature's own command group needs nothing from the command line above.
    ("cache", "events", "observability", "kafka_connection", "config", "cpus", "cli_support"),
    # Explanations of a score in a patroller's words.
    ("explanations",),
    # The signal catalogue and its solver.
    ("signals",),
    # What an edit is made of: texts, wikitext, edit types, the editor.
    ("edits",),
    # MediaWiki: the API client and the edit's types.
    ("mediawiki",),
    # The served models by name: the one table their names are written in.
    ("retry", "wikis", "model_table"),
    # The identity-revert rule shared by the dataset's labels and the live outcomes.
    ("identity_reverts",),
    # The error catalogue; where the artifacts and the labelled data live on disk (read by the
    # settings, the loaders, the model cards and the trainers).
    ("errors", "locations"),
)

def package_of(module: str) -> str | None:
    """`revertrisk_service.precache.kafka.consumer` -> `precache`; None for the root package."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else None


def rank_of(layers: Iterable[Iterable[str]]) -> dict[str, int]:
    ranks: dict[str, int] = {}
    for rank, layer in enumerate(layers):
        for package in layer:
            assert package not in ranks, f"{package} is placed twice in LAYERS"
            ranks[package] = rank
    return ranks


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph(ROOT, include_external_packages=False, cache_dir=None)


def imports(graph: grimp.ImportGraph) -> set[tuple[str, str]]:
    """Every direct import between two modules of the tree."""
    return {
        (importer, imported)
        for importer in graph.modules
        for imported in graph.find_modules_directly_imported_by(importer)
    }


def upward(edges: Iterable[tuple[str, str]], ranks: Mapping[str, int]) -> list[tuple[str, str]]:
    """The imports from a package to one in a higher layer."""
    found = []
    for importer, imported in edges:
        source, target = package_of(importer), package_of(imported)
        if source is None or target is None or source == target:
            continue
        if ranks[target] < ranks[source]:
            found.append((importer, imported))
    return sorted(found)


def cycle(edges: Iterable[tuple[str, str]]) -> list[str] | None:
    """One cycle of the directed graph `edges`, or None when it has none."""
    predecessors: dict[str, set[str]] = defaultdict(set)
    for importer, imported in edges:
        predecessors[importer].add(imported)
    try:
        TopologicalSorter(predecessors).prepare()
    except CycleError as error:
        return list(error.args[1])
    return None


def where(graph: grimp.ImportGraph, importer: str, imported: str) -> str:
    lines = [d["line_number"] for d in graph.get_import_details(importer=importer, imported=imported)]
    return f"{importer} (line {', '.join(map(str, lines))}) imports {imported}"


def test_every_package_is_placed_in_one_layer(graph: grimp.ImportGraph) -> None:
    ranks = rank_of(LAYERS)
    packages = {p for m in graph.modules if (p := package_of(m)) is not None}
    assert sorted(packages - ranks.keys()) == [], "place these in LAYERS"
    assert sorted(ranks.keys() - packages) == [], "LAYERS names packages that do not exist"


def test_no_import_runs_up_the_layers(graph: grimp.ImportGraph) -> None:
    found = upward(imports(graph), rank_of(LAYERS))
    assert [where(graph, *edge) for edge in found] == []


def test_no_import_cycle_between_packages(graph: grimp.ImportGraph) -> None:
    between = {
        (package_of(a), package_of(b))
        for a, b in imports(graph)
        if package_of(a) and package_of(b) and package_of(a) != package_of(b)
    }
    assert cycle(between) is None


def test_no_import_cycle_between_modules(graph: grimp.ImportGraph) -> None:
    assert cycle(imports(graph)) is None


def test_the_checks_catch_what_they_forbid() -> None:
    """The helpers themselves: an upward import and a cycle are found."""
    ranks = rank_of([("top",), ("bottom",)])
    down = (f"{ROOT}.top.a", f"{ROOT}.bottom.b")
    up = (f"{ROOT}.bottom.b", f"{ROOT}.top.a")
    assert upward([down], ranks) == []
    assert upward([up], ranks) == [up]
    assert cycle([("a", "b"), ("b", "c")]) is None
    assert set(cycle([("a", "b"), ("b", "c"), ("c", "a")]) or []) == {"a", "b", "c"}
