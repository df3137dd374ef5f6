"""Docker HEALTHCHECK: healthy when the served model answers ready (or, serving every model, when
the server is alive). Standard library only, so it starts fast inside the container."""

import os
import sys
import urllib.request

port = os.environ.get("HTTP_PORT", "8080")
model = os.environ.get("MODEL", "").strip()
path = f"/v1/models/{model}" if model else "/"
try:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=4) as answer:
        sys.exit(0 if answer.status == 200 else 1)
except OSError as error:
    print(f"unhealthy: {path}: {error}", file=sys.stderr)
    sys.exit(1)
