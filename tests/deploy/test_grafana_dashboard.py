"""The Grafana dashboard in ops/ only queries metrics the code defines, with their labels."""

from __future__ import annotations

import json
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DASHBOARD = REPO / "ops" / "grafana" / "revertrisk-dashboard.json"


def defined_metrics() -> dict[str, str]:
    """Metric name -> the source text of its definition, from every module under src/."""
    found = {}
    for path in (REPO / "src").rglob("*.py"):
        text = path.read_text()
        starts = list(re.finditer(r'(?:Counter|Gauge|Histogram|Summary)\(\s*"(revertrisk_[a-z_]+)"', text))
        for match, following in zip(starts, [*starts[1:], None], strict=False):
            end = following.start() if following else len(text)
            found[match.group(1)] = text[match.end() : end]
    return found


def test_every_queried_metric_is_defined_with_its_labels() -> None:
    dashboard = json.loads(DASHBOARD.read_text())
    metrics = defined_metrics()
    exprs = [t["expr"] for panel in dashboard["panels"] for t in panel["targets"]]
    assert len(exprs) >= 9
    for expr in exprs:
        for name in re.findall(r"\brevertrisk_[a-z_]+", expr):
            base = re.sub(r"_(bucket|count|sum)$", "", name)
            assert base in metrics, f"{name} is not defined in src/"
            by = re.search(r"by \(([^)]*)\)", expr)
            for label in (by.group(1).split(", ") if by else []):
                if label != "le":
                    assert f'"{label}"' in metrics[base], f"{base} has no label {label}"
