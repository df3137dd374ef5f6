"""How far one machine trains the multilingual model: CatBoost's peak memory against its rows.

Each size trains the shipped CatBoost (its parameters and shipped features, encoded as serving
encodes them) on N rows drawn with replacement from the labelled sample, in a fresh process, and
reads the process's peak resident memory (ru_maxrss) before and after the fit. The slope of the
peak over the rows gives rows per GiB; docs/training-at-scale.md turns it into the trainer's
`--max-train-rows` default. Prints a table, and the machine's load beside it.

Run: python bench/bench_catboost_memory.py [--sizes 20000,40000,80000,160000]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

import numpy as np

CHILD = r"""
import json, resource, sys
import numpy as np
from catboost import CatBoostClassifier
from revertrisk_service.models.multilingual import features as ml
from revertrisk_service.models.multilingual.train import CATBOOST_PARAMS, table_inputs
from revertrisk_service.training.paths import DEFAULT_DATA_DIR
from revertrisk_service.training.table import load_table

rows = int(sys.argv[1])
table = load_table([], DEFAULT_DATA_DIR)
names = ml.features_of(ml.SHIPPED_GROUPS)
pick = np.random.default_rng(0).integers(0, len(table), rows)
inputs = table_inputs(table, names)
x = ml.feature_frame([inputs[i] for i in pick], None, names)
y = table.labels[pick]
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
model = CatBoostClassifier(**CATBOOST_PARAMS, random_seed=0)
model.fit(x, y, cat_features=list(ml.CATEGORICAL_FEATURES))
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"rows": rows, "features": len(names), "peak_before_fit_mib": before / 1024,
                  "peak_mib": after / 1024}))
"""


def measure(rows: int) -> dict[str, float]:
    done = subprocess.run([sys.executable, "-c", CHILD, str(rows)], capture_output=True,
                          text=True, check=True, timeout=3600)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="20000,40000,80000,160000")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    load = os.getloadavg()
    results = []
    print("| rows | features | peak before fit (MiB) | peak after fit (MiB) |")
    print("| --- | --- | --- | --- |")
    for rows in sizes:
        result = measure(rows)
        results.append(result)
        print(f"| {rows:,} | {result['features']} | {result['peak_before_fit_mib']:.0f} "
              f"| {result['peak_mib']:.0f} |", flush=True)
    slope, intercept = np.polyfit([r["rows"] for r in results], [r["peak_mib"] for r in results], 1)
    per_gib = 1024 / slope if slope > 0 else float("inf")
    print(f"\npeak = {intercept:.0f} MiB + {slope * 1e6 / 1024:.2f} GiB per million rows: "
          f"{per_gib:,.0f} rows per GiB above the fixed cost")
    print(f"load average at start (1, 5, 15 min): {load[0]:.1f}, {load[1]:.1f}, {load[2]:.1f} "
          f"on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
