"""A build failure said in one line with a stable code, and the fix where one is known; Spark's
Java and Python stack traces go to the build log (`<out>/_build.log`), never to the terminal.
"""

from __future__ import annotations

import traceback
from datetime import UTC, datetime
from pathlib import Path

from revertrisk_service.dataset.errors import BuildError

LOG_FILE = "_build.log"

# (code, what the error's text says, the line for the user)
_KNOWN: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("spark_memory_too_small",
     ("INVALID_DRIVER_MEMORY", "INVALID_EXECUTOR_MEMORY"),
     ("the memory given to Spark is below its minimum of 450 MiB: give at least "
      "--driver-memory 1g (Spark's default)")),
    ("spark_out_of_memory",
     ("OutOfMemoryError", "Java heap space", "Cannot reserve additional contiguous bytes",
      "GC overhead limit exceeded"),
     ("Spark ran out of memory: raise --driver-memory (e.g. 4g; on a cluster also "
     "spark.executor.memory) or lower --revisions-per-chunk")),
    ("spark_stopped",
     ("Answer from Java side is empty", "Py4JNetworkError", "Connection refused",
      "SparkContext was shut down", "Python worker exited unexpectedly"),
     ("Spark's JVM or a Python worker stopped during the build (most often out of memory): "
     "raise --driver-memory (e.g. 4g) and check the machine's free memory")),
    ("java_missing",
     ("JAVA_HOME is not set", "Java gateway process exited"),
     "Spark could not start its JVM: install a Java runtime (scripts/install-system-deps.sh)"),
    ("disk_full",
     ("No space left on device",),
     ("the disk is full: free space under --out (staged texts take about the dump's "
     "uncompressed size, compressed)")),
)


def log_failure(out_dir: Path, error: BaseException) -> Path:
    path = Path(out_dir) / LOG_FILE
    with path.open("a", encoding="utf-8") as log:
        log.write(f"--- {datetime.now(UTC).isoformat(timespec='seconds')}\n")
        log.write("".join(traceback.format_exception(error)))
    return path


def spark_failure(error: BaseException, out_dir: Path) -> BuildError:
    """The one line for a failure inside Spark; the whole trace is logged."""
    log = log_failure(out_dir, error)
    java = getattr(error, "java_exception", None)
    said = f"{type(error).__name__}: {error} {java or ''}"
    for code, signs, line in _KNOWN:
        if any(sign in said for sign in signs):
            return BuildError(code, f"{line} (details: {log})")
    # Py4J's own text is "An error occurred while calling ..."; the Java exception says what.
    text = str(java) if java is not None else str(error)
    first = next((s.strip() for s in text.splitlines() if s.strip()), type(error).__name__)
    return BuildError("spark_failed", f"the Spark build failed: {first[:300]} (details: {log})")
