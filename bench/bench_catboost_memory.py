"""How far one machine trains the multilingual model: CatBoost's peak memory against its rows.

Each size trains the shipped CatBoost (its parameters and shipped features, encoded as serving
encodes them) on N rows drawn with replacement from the labelled sample, in a fresh process: the
process's resident memory just before the fit, and its peak during the fit (Linux's VmHWM, reset
through /proc/self/clear_refs once the rows are ready, so loading the sample does not count). The slope of the
peak over the rows gives rows per GiB; docs/training-at-scale.md turns it into the trainer's
`--max-train-rows` default. Prints a table, and the machine's load beside it.

Run: python bench/bench_catboost_memory.py [--sizes 50000,100000,200000,400000]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

import numpy as np

CHILD = r"""
import gc, json, sys
import numpy as np
from catboost import CatBoostClassifier
from revertrisk_service.models.multilingual import features as ml
from revertrisk_service.training.multilingual import CATBOOST_PARAMS, table_inputs
from revertrisk_service.locations import DEFAULT_DATA_DIR
from revertrisk_service.training.table import load_table

rows = int(sys.argv[1])
table = load_table([], DEFAULT_DATA_DIR)
names = ml.features_of(ml.SHIPPED_GROUPS)
pick = np.random.default_rng(0).integers(0, len(table), rows)
inputs = table_inputs(table, names)
x = ml.feature_frame([inputs[i] for i in pick], None, names)
y = table.labels[pick]
del table, inputs
gc.collect()

def status(key):
    for line in open("/proc/self/status"):
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1024

with open("/proc/self/clear_refs", "w") as f:
    f.write("5")
before = status("VmRSS")
model = CatBoostClassifier(**CATBOOST_PARAMS, random_seed=0)
model.fit(x, y, cat_features=list(ml.CATEGORICAL_FEATURES))
print(json.dumps({"rows": rows, "features": len(names), "rss_before_fit_mib": before,
                  "peak_mib": status("VmHWM")}))
"""


def measure(rows: int) -> dict[str, float]:
    done = subprocess.run([sys.executable, "-c", CHILD, str(rows)], capture_output=True,
                          text=True, check=True, timeout=3600)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="50000,100000,200000,400000")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    load = os.getloadavg()
    results = []
    print("| rows | features | resident before the fit (MiB) | peak during the fit (MiB) |")
    print("| --- | --- | --- | --- |")
    for rows in sizes:
        result = measure(rows)
        results.append(result)
        print(f"| {rows:,} | {result['features']} | {result['rss_before_fit_mib']:.0f} "
              f"| {result['peak_mib']:.0f} |", flush=True)
    grown = [r["peak_mib"] - r["rss_before_fit_mib"] for r in results]
    slope, intercept = np.polyfit([r["rows"] for r in results], grown, 1)
    per_gib = 1024 / slope if slope > 0 else float("inf")
    print(f"\nthe fit adds {intercept:.0f} MiB + {slope * 1e6 / 1024:.2f} GiB per million rows "
          f"to the rows' own frame: {per_gib:,.0f} rows per GiB")
    print(f"load average at start (1, 5, 15 min): {load[0]:.1f}, {load[1]:.1f}, {load[2]:.1f} "
          f"on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
