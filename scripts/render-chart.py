"""Renders the Helm chart with real Helm (helm-python-sdk), for operators without a helm binary:
    .venv/bin/python scripts/render-chart.py [VALUES_FILE ...] [--set key.path=value ...]
Values files are looked up beside the chart when not found as given; the schema is enforced."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import helm_python
import yaml

CHART = Path(__file__).resolve().parents[1] / "helm" / "revertrisk"


def merge(base: dict, extra: dict) -> dict:
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            merge(base[key], value)
        else:
            base[key] = value
    return base


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("values", nargs="*", help="values files, e.g. values-gpu.yaml")
    parser.add_argument("--set", action="append", default=[], help="key.path=value (as helm --set)")
    parser.add_argument("--release", default="revertrisk")
    parser.add_argument("--namespace", default="default")
    args = parser.parse_args()
    values: dict = {}
    for name in args.values:
        path = Path(name) if Path(name).exists() else CHART / name
        merge(values, yaml.safe_load(path.read_text()) or {})
    for assignment in args.set:
        merge(values, helm_python.parse_set_string(assignment))
    chart = helm_python.Chart.load(CHART)
    try:
        rendered = chart.render(values, name=args.release, namespace=args.namespace)
    except helm_python.HelmError as error:
        print(f"refused: {error}", file=sys.stderr)
        return 1
    for template, text in sorted(rendered.items()):
        if text.strip():
            print(f"# Source: {template}\n{text.strip()}\n---")
    return 0


if __name__ == "__main__":
    sys.exit(main())
