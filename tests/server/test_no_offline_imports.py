"""The server stays lean: the offline libraries (plots, statistics, training) are never imported.

Checked in a fresh interpreter, since this test session itself imports them elsewhere. The
model libraries are imported when a model loads (registry.load_scorer), and those bring in some
on their own: xgboost imports its scikit-learn wrapper whenever scikit-learn is installed, and
catboost imports scipy. That is theirs, not this service's code.
"""

from __future__ import annotations

import json
import subprocess
import sys

OFFLINE = ("matplotlib", "scipy", "sklearn")

PROBE = """
import json, sys
import revertrisk_service.cli
import revertrisk_service.server.app
import revertrisk_service.precache.command
import revertrisk_service.server.assembly
import revertrisk_service.transparency.routes
print(json.dumps(sorted({m.split(".")[0] for m in sys.modules})))
"""


def test_serving_app_imports_no_offline_library() -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=300, check=True
    )
    loaded = set(json.loads(done.stdout.strip().splitlines()[-1]))
    assert "revertrisk_service" in loaded and "kserve" in loaded
    assert not loaded & set(OFFLINE), sorted(loaded & set(OFFLINE))
