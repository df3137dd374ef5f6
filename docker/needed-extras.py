"""Prints the optional extras (pyproject.toml) that the model manifests under a directory need:
`text` when any model reads the text classifiers' scores, nothing otherwise.

The image build runs it before the project is installed, so it is stdlib-only and matches the
feature names itself; tests/deploy/test_image_extras.py checks that it agrees with the loader
(models.multilingual.features.uses_text_models) on every feature the code can compute.
    python3 docker/needed-extras.py models/
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

# The pooled scores of the four text classifiers (models/multilingual/text_classifiers.py):
# title_s_0, title_p_0, and <insert|change|remove>_<s|p>_<0|1>_<max|mean>.
TEXT_SCORE = re.compile(r"title_[sp]_0|(insert|change|remove)_[sp]_[01]_(max|mean)")


def needed_extras(models_dir: Path) -> list[str]:
    extras = set()
    for manifest in sorted(models_dir.glob("*/model.json")):
        features = json.loads(manifest.read_text(encoding="utf-8")).get("features", [])
        if any(TEXT_SCORE.fullmatch(name) for name in features):
            extras.add("text")
    return sorted(extras)


if __name__ == "__main__":
    print(" ".join(needed_extras(Path(sys.argv[1]))))
