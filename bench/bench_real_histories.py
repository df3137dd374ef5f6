"""Throughput and peak memory of `revertrisk dataset build` on the shipped real histories
(../shared/data/histories), on Spark local[1] and local[2], side by side with the builder as it
was before the bounded-memory rewrite (commit 316e1db), the same files in the same run.

Each build is the CLI in a subprocess, exactly as a user runs it, with Spark's default memory
(1 GiB driver); its process tree (the CLI, the Spark JVM, the Python workers) is sampled with
psutil every 0.2 s for the peak RSS and the CPU time it used. The old builder runs from a
`git worktree` of 316e1db with its own PYTHONPATH; it cannot read .7z, so those files are
decompressed for it first, as a user had to (not timed). Prints the load average: other
processes share the cores. A generated page of 50,000 revisions of ~107 KB (`long-page`) is
built by the new builder alone.

Figures: revisions read per second (wall), rows with signals per second per core
(rows / wall / cores), peak RSS of the JVM and of all Python processes together, CPUs used (CPU
seconds / wall). With --pin each local[N] build runs on the first N CPUs only, so "one core" is
one CPU for the JVM and the workers together.

Run: python bench/bench_real_histories.py [--only acewiki ...] [--keep-unreverted 0.05]
     [--new-cores 1 2] [--old-cores 1 2] [--skip-old] [--pin]
     [--out /tmp/bench_real_histories.json]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parents[1]
OLD_COMMIT = "316e1db"
PROJECTED_REVISIONS = 50_000_000
# The new builder's progress lines: "<stage> ━━━ n/n tasks 0:01:23" (wall time of the stage).
STAGE = re.compile(r"^(reading dumps|labels|signals|labels and signals)\b.*?(\d+):(\d\d):(\d\d)\s*$")
# name -> (file, extra build options). The Anarchism export (schema 0.4) names no wiki: the new
# builder takes it from <base>, today's needs --wiki-db.
HISTORIES = {
    "acewiki": ("acewiki-pages-meta-history.xml.bz2", []),
    "anarchism": ("enwiki-Anarchism-2001-2010-pages-meta-history.xml.7z", ["--wiki-db", "enwiki"]),
    "small": (("aawiki-20260101-pages-meta-history.xml.7z",
               "enwiki-Rio_Grande-pages-meta-history.xml.bz2",
               "itwiki-Amen-pages-meta-history.xml.gz",
               "enwiki-20140102-tiny-pages-meta-history.xml.gz"), []),
}  # fmt: skip
# Generated, not shipped: one page of 50,000 revisions of about 107 KB (5.3 GB of wikitext), as
# English Wikipedia's longest histories, with the devtools generator; signals for its first
# months. The new builder only: today's would need a heap of the page's size.
LONG_PAGE = "long-page"
LONG_PAGE_OPTIONS = ["--until", "2024-03-01"]


def long_page_dump(work: Path) -> Path:
    from revertrisk_devtools.history_dump import write_history_dump

    return write_history_dump(work / "long-page.xml", pages=1, revisions_per_page=50_000,
                              sentences=1_100, grow=False)  # fmt: skip


def old_tree(path: Path) -> Path:
    if not (path / "src" / "revertrisk_service").is_dir():
        subprocess.run(["git", "-C", str(REPO), "worktree", "add", "--detach", str(path),
                        OLD_COMMIT], check=True, capture_output=True)  # fmt: skip
    return path


def unpack_7z(dump: Path, work: Path) -> Path:
    """What a user of the old builder had to do first: decompress the archive to plain XML."""
    target = work / dump.name.removesuffix(".7z")
    if not target.exists():
        with target.open("wb") as out:
            subprocess.run(["7z", "x", "-so", "-bd", str(dump)], stdout=out, check=True,
                           stderr=subprocess.DEVNULL)  # fmt: skip
    return target


class ProcessTreeUsage:
    """Peak RSS of a process tree (the Spark JVM, and every Python process together) and the CPU
    time it used. Spark's local[1] bounds the tasks, not the process: the JVM's threads (reading,
    shuffling, sorting, Arrow) run on any free CPU beside the one Python worker, so CPU seconds
    over wall seconds say how many CPUs a build really used."""

    def __init__(self, process: psutil.Popen) -> None:
        self.process, self.jvm, self.python = process, 0, 0
        self._cpu: dict[int, float] = {}  # pid -> its CPU seconds when last seen
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    @property
    def cpu_seconds(self) -> float:
        return sum(self._cpu.values())

    def _run(self) -> None:
        while self.process.poll() is None:
            try:
                tree = [self.process, *self.process.children(recursive=True)]
            except psutil.Error:
                break
            jvm = python = 0
            for one in tree:
                try:
                    rss, name, cpu = one.memory_info().rss, one.name(), one.cpu_times()
                except psutil.Error:
                    continue
                self._cpu[one.pid] = cpu.user + cpu.system
                if "java" in name:
                    jvm += rss
                elif "python" in name or "revertrisk" in name:
                    python += rss
            self.jvm, self.python = max(self.jvm, jvm), max(self.python, python)
            time.sleep(0.2)

    def join(self) -> None:
        self._thread.join()


def run_build(src: Path, dumps: list[Path], cores: int, extra: list[str], keep: float,
              timeout: int, pin: bool = False) -> dict:
    out = Path(tempfile.mkdtemp(prefix=f"bench-real-local{cores}-"))
    env = {**os.environ, "PYTHONPATH": f"{src / 'src'}{os.pathsep}{src / 'devtools'}",
           "SPARK_LOCAL_IP": "127.0.0.1"}  # fmt: skip
    command = [sys.executable, "-m", "revertrisk_service.cli", "dataset", "build",
               "--out", str(out), "--master", f"local[{cores}]", "--keep-unreverted", str(keep),
               *[a for d in dumps for a in ("--dump", str(d))], *extra]  # fmt: skip
    start = time.perf_counter()
    # Pinned, the whole tree (CLI, JVM, workers) inherits the first `cores` CPUs: one core is
    # then one CPU for everything, not one task slot beside a free CPU.
    pinned = (lambda: os.sched_setaffinity(0, range(cores))) if pin else None
    process = psutil.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True, preexec_fn=pinned)  # fmt: skip
    usage = ProcessTreeUsage(process)
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        for child in process.children(recursive=True):
            child.kill()
        process.kill()
        stdout, stderr = process.communicate()
    seconds = time.perf_counter() - start
    usage.join()
    result = {"cores": cores, "pinned": pin, "seconds": round(seconds, 1),
              "exit": process.returncode, "cpu_seconds": round(usage.cpu_seconds, 1),
              "cpus_used": round(usage.cpu_seconds / seconds, 2),
              "peak_jvm_mib": usage.jvm // 2**20, "peak_python_mib": usage.python // 2**20,
              "load_after": [round(x, 1) for x in os.getloadavg()]}  # fmt: skip
    stages = {}
    for line in stdout.splitlines():
        found = STAGE.match(line.strip())
        if found:
            h, m, sec = map(int, found.groups()[1:])
            stages[found.group(1)] = h * 3600 + m * 60 + sec
    result["stage_seconds"] = stages
    described = next((out / n for n in ("_dataset.json", "dataset.json") if (out / n).is_file()), None)
    if process.returncode == 0 and described is not None:
        counts = json.loads(described.read_text())["counts"]
        result |= {
            "revisions": counts["revisions"], "rows": counts["rows"],
            "reverted": counts["reverted"],
            "revisions_per_s": round(counts["revisions"] / seconds, 1),
            "rows_per_s_per_core": round(counts["rows"] / seconds / cores, 2),
        }  # fmt: skip
    else:
        lines = [line for line in stderr.splitlines() if line.strip()]
        errors = [line for line in lines if "error" in line.lower()]
        result["error"] = (errors or lines or ["timed out"])[-1][:300]
    shutil.rmtree(out, ignore_errors=True)
    return result


def ratios(runs: dict[str, dict]) -> list[str]:
    """The comparisons the run exists for, from its own runs: the new builder against today's
    (rows with signals per second per core) and one core against two (wall time)."""
    lines = []
    histories = sorted({key.split()[0] for key in runs})
    for name in histories:
        def run(builder: str, cores: int, name: str = name) -> dict:
            return runs.get(f"{name} {builder} local[{cores}]", {})

        for cores in (1, 2):
            new, old = run("new", cores), run("old", cores)
            if new.get("rows_per_s_per_core") and old.get("rows_per_s_per_core"):
                ratio = new["rows_per_s_per_core"] / old["rows_per_s_per_core"]
                lines.append(f"{name} local[{cores}]: new/today's rows with signals /s /core "
                             f"x{ratio:.2f}")  # fmt: skip
        one, two = run("new", 1), run("new", 2)
        if one.get("exit") == 0 and two.get("exit") == 0:
            wall = one["seconds"] / two["seconds"]
            signals = [r["stage_seconds"].get("signals") for r in (one, two)]
            stage = f", signals stage x{signals[0] / signals[1]:.2f}" if all(signals) else ""
            lines.append(f"{name} new: one core -> two x{wall:.2f} wall{stage}")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--histories", type=Path, default=REPO.parent / "shared" / "data" / "histories")
    parser.add_argument("--only", nargs="*", default=[*HISTORIES, LONG_PAGE])
    # Every reverted edit and 5 % of the others: the signals of a quarter of Acehnese's 80,000
    # unreverted edits take over 15 minutes per core on this shared machine.
    parser.add_argument("--keep-unreverted", type=float, default=0.05)
    parser.add_argument("--old-tree", type=Path, default=Path("/tmp/old-builder"))
    parser.add_argument("--skip-old", action="store_true")
    parser.add_argument("--old-cores", type=int, nargs="*", default=[1, 2])
    parser.add_argument("--new-cores", type=int, nargs="*", default=[1, 2])
    parser.add_argument("--timeout", type=int, default=1500, help="seconds per build")
    parser.add_argument("--pin", action="store_true",
                        help="run each local[N] build on the first N CPUs only (its CPU affinity)")
    parser.add_argument("--out", type=Path,
                        default=Path(tempfile.gettempdir()) / "bench_real_histories.json")
    args = parser.parse_args()
    histories = args.histories if args.histories.is_dir() else Path("/work/shared/data/histories")
    work = Path(tempfile.mkdtemp(prefix="bench-real-"))
    report: dict = {"load_before": [round(x, 1) for x in os.getloadavg()],
                    "cpus": os.cpu_count(), "keep_unreverted": args.keep_unreverted,
                    "pinned": args.pin, "runs": {}}
    old = None if args.skip_old else old_tree(args.old_tree)
    try:
        for name in args.only:
            if name == LONG_PAGE:
                dumps, extra = [long_page_dump(work)], LONG_PAGE_OPTIONS
            else:
                files, extra = HISTORIES[name]
                dumps = [histories / f for f in ((files,) if isinstance(files, str) else files)]
            builders = [("new", REPO, dumps, args.new_cores)]
            if old is not None and name != LONG_PAGE:
                builders.append(("old", old, [unpack_7z(d, work) if d.suffix == ".7z" else d
                                              for d in dumps], args.old_cores))  # fmt: skip
            for builder, src, inputs, all_cores in builders:
                for cores in all_cores:
                    run = run_build(src, inputs, cores, extra, args.keep_unreverted, args.timeout,
                                    args.pin)  # fmt: skip
                    report["runs"][f"{name} {builder} local[{cores}]"] = run
                    print(json.dumps({"run": f"{name} {builder} local[{cores}]", **run}), flush=True)
                    args.out.write_text(json.dumps(report, indent=2) + "\n")
            if name == LONG_PAGE:
                dumps[0].unlink()
        report["load_after"] = [round(x, 1) for x in os.getloadavg()]
        report["ratios"] = ratios(report["runs"])
        args.out.write_text(json.dumps(report, indent=2) + "\n")
        print("\n".join(report["ratios"]), f"\nload before {report['load_before']}, after "
              f"{report['load_after']}", sep="\n")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
