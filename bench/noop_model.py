"""A KServe model that does nothing: the floor a cache hit is compared with.

Served exactly as `revertrisk serve` serves its models (kserve.ModelServer, one worker, no
gRPC), it answers every predict with a fixed body shaped like a revert-risk score.

    .venv/bin/python bench/noop_model.py PORT
"""

from __future__ import annotations

import logging
import sys
from typing import Any

import kserve

NAME = "noop"
ANSWER = {
    "model_name": NAME,
    "model_version": "0",
    "wiki_db": "enwiki",
    "revision_id": 1,
    "output": {"prediction": False, "probabilities": {"true": 0.1, "false": 0.9}},
}


class NoOpModel(kserve.Model):
    def __init__(self) -> None:
        super().__init__(NAME)
        self.ready = True

    async def predict(
        self, payload: Any, headers: dict[str, str] | None = None, response_headers: Any = None
    ) -> dict[str, Any]:
        return ANSWER


if __name__ == "__main__":
    server = kserve.ModelServer(http_port=int(sys.argv[1]), enable_grpc=False, workers=1)
    # The benches run the service at LOG_LEVEL=WARNING, which quiets KServe's two timing lines per
    # request (kserve.trace); the floor it is compared with logs at the same level.
    logging.getLogger("kserve.trace").setLevel(logging.WARNING)
    server.start([NoOpModel()])
