"""`revertrisk dataset build` as a user runs it, in a subprocess, its process tree's memory
sampled: the Spark JVM (and the -Xmx it was started with) and the largest Python process."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass

import psutil

GIB = 2**30


@dataclass
class Peaks:
    jvm: int = 0  # bytes
    python_process: int = 0  # the largest single Python process (CLI or worker)
    xmx: str = "none"  # the JVM's -Xmx flag as started


def _sample(process: psutil.Popen, peaks: Peaks) -> None:
    while process.poll() is None:
        try:
            tree = [process, *process.children(recursive=True)]
        except psutil.Error:
            break
        for child in tree:
            try:
                rss, name, cmdline = child.memory_info().rss, child.name(), child.cmdline()
            except psutil.Error:
                continue
            if "java" in name:
                peaks.jvm = max(peaks.jvm, rss)
                heap = [a for a in cmdline if a.startswith("-Xmx")]
                peaks.xmx = heap[-1] if heap else "default"
            elif "python" in name:
                peaks.python_process = max(peaks.python_process, rss)
        time.sleep(0.2)


def run_build(*args: str, timeout: int = 900) -> tuple[subprocess.CompletedProcess, Peaks]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path), "SPARK_LOCAL_IP": "127.0.0.1"}
    command = [sys.executable, "-m", "revertrisk_service.cli", "dataset", "build", *args]
    process = psutil.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           env=env)  # fmt: skip
    peaks = Peaks()
    sampler = threading.Thread(target=_sample, args=(process, peaks), daemon=True)
    sampler.start()
    stdout, stderr = process.communicate(timeout=timeout)
    sampler.join()
    return subprocess.CompletedProcess(command, process.returncode, stdout, stderr), peaks
