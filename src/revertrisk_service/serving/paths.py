"""The predict path, matched once here for every layer that treats predict requests apart."""

from __future__ import annotations

import re

PREDICT_PATH = re.compile(r"^/v1/models/(?P<name>[^/]+):predict$")
