"""Where torch runs: the device setting and the CPU thread count a container is entitled to."""

from __future__ import annotations

import torch

from revertrisk_service.cpus import available_cpus

DEVICE_CHOICES = ("auto", "cpu", "cuda")


def resolve_device(setting: str = "auto") -> torch.device:
    """`auto` takes CUDA when a GPU is visible; `cuda` without one is a configuration error."""
    if setting not in DEVICE_CHOICES:
        raise ValueError(f"device must be one of {DEVICE_CHOICES}, not {setting!r}")
    if setting == "cuda" and not torch.cuda.is_available():
        raise ValueError("device 'cuda' was asked for but no CUDA device is available")
    if setting == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(setting)


def configure_cpu_threads(threads: int | None = None) -> int:
    """Torch's intra-op threads: the CPUs the container may use, or fewer when several scoring
    processes share them."""
    threads = threads or available_cpus()
    torch.set_num_threads(threads)
    return threads
