"""Run the study's commands (tools/*.py invocations) in dependency order, reusing finished outputs.

Two launchers start the same command line ``python tools/<tool>.py ARGS`` in a child process whose working
directory is the repository root:
* ``subprocess``: a new interpreter per command (exactly what a user types);
* ``forkserver``: a fork of a server process that imported torch/OpenCV/pysot_ss once, which then runs the tool
  script as ``__main__`` with the same argv (``runpy``). Same code, minus ~2 s of interpreter start and imports per
  command -- the smoke run issues dozens of short commands.
stdout and stderr of each command go to ``<logs>/<task>.stdout`` / ``.stderr``.

A task whose outputs already exist (``Task.done()``) is not run again ("reused"); the wall time recorded when it
last ran is kept in ``tasks.json``. A task whose outputs are absent but that no task still to run needs (say, a
training run whose tracking results came back from another machine without its checkpoint) is "skipped". A
failed task marks everything that depends on it as "blocked"; the others go on.
"""
from __future__ import annotations

import multiprocessing as mp
import os
import platform
import resource
import runpy
import shlex
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence

from benchmarks.quality.common import REPO, atomic_write_json, display_path, read_json

# what the tools import (some lazily, on first use: tensorboardX, sympy and torch._dynamo via the optimizer, the
# fine-tuning module); a module that fails to import here is simply imported by the child itself
PRELOAD = ["numpy", "cv2", "torch", "torch._dynamo", "sympy", "yacs.config", "sklearn.cluster", "tensorboardX", "tqdm",
           "colorama", "pysot_ss.core.trainer", "pysot_ss.core.cluster", "pysot_ss.core.tester", "pysot_ss.datasets",
           "pysot_ss.tracker", "pysot_ss.tracker.builder", "pysot_ss.tracker.finetune", "toolkit.cli.eval",
           "toolkit.protocols", "toolkit.evaluation"]


@dataclass
class Task:
    id: str
    stage: str                          # "train", "cluster", "track", "eval"
    args: List[str]                     # tools/<tool>.py followed by its arguments
    deps: List[str] = field(default_factory=list)
    done: Optional[Callable[[], bool]] = None   # outputs already there -> reuse
    after: Optional[Callable[["Task", "TaskResult"], None]] = None  # called in the parent after success
    note: str = ""

    def command(self, python: str = "python") -> List[str]:
        return [python] + list(self.args)


@dataclass
class TaskResult:
    id: str
    stage: str
    command: str
    status: str                 # "ran", "reused", "skipped", "failed", "blocked"
    wall_s: Optional[float] = None
    cpu_s: Optional[float] = None   # user + system CPU seconds of the command (all its threads)
    returncode: Optional[int] = None
    stdout: str = ""
    stderr: str = ""                    # the tail of stderr (failures)
    info: dict = field(default_factory=dict)
    stderr_path: Optional[Path] = None


def python_display() -> str:
    """The interpreter as written in recorded commands (relative when it is the repository's venv)."""
    return display_path(sys.executable)


def _child(script: str, argv: Sequence[str], out_path: str, err_path: str) -> None:
    """Body of a forkserver child: the tool script as __main__, stdout/stderr into files."""
    os.chdir(REPO)
    for fd, path in ((1, out_path), (2, err_path)):
        f = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.dup2(f, fd)
        os.close(f)
    sys.argv = [script] + list(argv)
    try:
        runpy.run_path(script, run_name="__main__")
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        ru = resource.getrusage(resource.RUSAGE_SELF)  # this process only (forked: its own CPU seconds)
        with open(out_path + ".cpu", "w") as f:
            f.write(f"{ru.ru_utime + ru.ru_stime:.3f}\n")


class SubprocessLauncher:
    name = "subprocess"

    def start(self, args: Sequence[str], out_path: Path, err_path: Path):
        out, err = open(out_path, "wb"), open(err_path, "wb")
        try:
            return subprocess.Popen([sys.executable] + list(args), cwd=REPO, stdout=out, stderr=err,
                                    stdin=subprocess.DEVNULL)
        finally:
            out.close()
            err.close()

    @staticmethod
    def poll(handle) -> Optional[int]:
        """Exit code (None while running); reaps the child with wait4 to get its CPU time."""
        if handle.returncode is not None:
            return handle.returncode
        pid, status, ru = os.wait4(handle.pid, os.WNOHANG)
        if pid == 0:
            return None
        handle.returncode = os.waitstatus_to_exitcode(status)
        handle.cpu_s = ru.ru_utime + ru.ru_stime
        return handle.returncode

    @staticmethod
    def cpu_seconds(handle, out_path: Path) -> Optional[float]:
        return getattr(handle, "cpu_s", None)

    @staticmethod
    def kill(handle) -> None:
        handle.kill()
        handle.wait()

    def close(self) -> None:
        pass


class ForkServerLauncher:
    name = "forkserver"

    def __init__(self):
        self.ctx = mp.get_context("forkserver")
        self.ctx.set_forkserver_preload(PRELOAD)

    def start(self, args: Sequence[str], out_path: Path, err_path: Path):
        p = self.ctx.Process(target=_child, args=(str(args[0]), list(args[1:]), str(out_path), str(err_path)))
        p.start()
        return p

    @staticmethod
    def poll(handle) -> Optional[int]:
        if handle.is_alive():
            return None
        handle.join()
        return handle.exitcode

    @staticmethod
    def cpu_seconds(handle, out_path: Path) -> Optional[float]:
        try:
            return float(Path(str(out_path) + ".cpu").read_text())
        except (OSError, ValueError):
            return None

    @staticmethod
    def kill(handle) -> None:
        handle.kill()
        handle.join()

    def close(self) -> None:
        pass


def make_launcher(name: str):
    if name == "forkserver":
        if "forkserver" not in mp.get_all_start_methods():
            return SubprocessLauncher()
        return ForkServerLauncher()
    return SubprocessLauncher()


class TaskState:
    """``tasks.json``: per task the command, status, wall time and extra info of the last time it ran."""

    def __init__(self, path: Path, machine: str = ""):
        self.path = path
        self.machine = machine or platform.node()  # recorded with every command: where it ran
        self.data: Dict[str, dict] = read_json(path, {}) or {}

    def get(self, task_id: str) -> dict:
        return self.data.get(task_id, {})

    def record(self, res: TaskResult) -> None:
        self.data[res.id] = {"command": res.command, "status": res.status, "wall_s": res.wall_s, "cpu_s": res.cpu_s,
                             "returncode": res.returncode, "info": res.info, "time": time.strftime("%Y-%m-%d %H:%M:%S"),
                             "machine": self.machine}
        atomic_write_json(self.path, self.data)


def _tail(path: Path, n: int = 4000) -> str:
    try:
        data = path.read_bytes()
    except OSError:
        return ""
    return data[-n:].decode("utf-8", "replace")


def needed_tasks(tasks: List[Task]) -> set:
    """Ids of the tasks whose outputs must exist: those nothing depends on (the report's inputs), and the
    dependencies of a needed task that has to run (its outputs are absent). A missing checkpoint whose tracking
    results are all there (say, results brought back from another machine) is then not trained again."""
    by_id = {t.id: t for t in tasks}
    dependents: Dict[str, List[str]] = {t.id: [] for t in tasks}
    for t in tasks:
        for d in t.deps:
            dependents.setdefault(d, []).append(t.id)
    done = {t.id: bool(t.done is not None and t.done()) for t in tasks}
    memo: Dict[str, bool] = {}

    def is_needed(tid: str) -> bool:
        if tid not in memo:
            users = dependents.get(tid, [])
            memo[tid] = not users or any(is_needed(u) and not done[u] for u in users)
        return memo[tid]
    return {tid for tid in by_id if is_needed(tid)}


def run_tasks(tasks: List[Task], launcher, jobs: int, log_dir: Path, state: TaskState,
              log: Callable[[str], None] = print) -> Dict[str, TaskResult]:
    """Run `tasks` (a list in preferred order) with at most `jobs` at a time; returns {task id: result}."""
    log_dir.mkdir(parents=True, exist_ok=True)
    py = python_display()
    results: Dict[str, TaskResult] = {}
    pending = list(tasks)
    running: Dict[str, tuple] = {}
    by_id = {t.id: t for t in tasks}
    for t in tasks:
        unknown = [d for d in t.deps if d not in by_id]
        if unknown:
            raise ValueError(f"task {t.id} depends on unknown task(s) {unknown}")
    total = len(tasks)
    needed = needed_tasks(tasks)

    def finish(t: Task, res: TaskResult) -> None:
        results[t.id] = res
        if res.status in ("ran", "failed"):
            state.record(res)
        n = len(results)
        extra = f" {res.wall_s:.1f}s" if res.wall_s is not None else ""
        log(f"[{n}/{total}] {res.status:7s} {t.id}{extra}")
        if res.status == "failed":
            log(f"    command: {res.command}\n    stderr tail:\n" +
                "\n".join("      " + line for line in res.stderr.strip().splitlines()[-15:]))

    try:
        while pending or running:
            before = len(results)
            for t in list(pending):
                if len(running) >= max(1, jobs):
                    break
                dep_status = [results[d].status if d in results else None for d in t.deps]
                cmd = shlex.join(t.command(py))
                if any(s in ("failed", "blocked") for s in dep_status):
                    pending.remove(t)
                    bad = [d for d, s in zip(t.deps, dep_status) if s in ("failed", "blocked")]
                    finish(t, TaskResult(t.id, t.stage, cmd, "blocked", info={"blocked_by": bad}))
                    continue
                if any(s is None for s in dep_status):
                    continue
                pending.remove(t)
                if t.id not in needed and not (t.done is not None and t.done()):
                    prev = state.get(t.id)  # when it ran elsewhere: its wall time there
                    finish(t, TaskResult(t.id, t.stage, cmd, "skipped", prev.get("wall_s"), prev.get("cpu_s"), None,
                                         info={**dict(prev.get("info") or {}),
                                               "why": "outputs absent, but every task after it is done"}))
                    continue
                if t.done is not None and t.done():
                    prev = state.get(t.id)
                    res = TaskResult(t.id, t.stage, cmd, "reused", prev.get("wall_s"), prev.get("cpu_s"), 0,
                                     info=dict(prev.get("info") or {}))
                    if t.after is not None:
                        t.after(t, res)
                    finish(t, res)
                    continue
                out, err = log_dir / f"{t.id}.stdout", log_dir / f"{t.id}.stderr"
                running[t.id] = (t, launcher.start(t.args, out, err), time.perf_counter(), cmd, out, err)
            if not running:
                if pending and len(results) == before:  # nothing runnable: only with a dependency cycle
                    raise ValueError(f"dependency cycle among {[t.id for t in pending]}")
                continue
            done_ids = []
            for tid, (t, handle, t0, cmd, out, err) in running.items():
                rc = launcher.poll(handle)
                if rc is None:
                    continue
                wall = time.perf_counter() - t0
                cpu = launcher.cpu_seconds(handle, out)
                res = TaskResult(t.id, t.stage, cmd, "ran" if rc == 0 else "failed", round(wall, 2),
                                 None if cpu is None else round(cpu, 2), rc,
                                 stdout=out.read_text(encoding="utf-8", errors="replace") if rc == 0 else "",
                                 stderr=_tail(err), stderr_path=err)
                if rc == 0 and t.after is not None:
                    try:
                        t.after(t, res)
                    except Exception as e:  # a bad output counts as a failure of the task
                        res.status, res.stderr = "failed", f"{type(e).__name__}: {e}"
                finish(t, res)
                done_ids.append(tid)
            for tid in done_ids:
                del running[tid]
            if not done_ids:
                time.sleep(0.05)
    except BaseException:
        for t, handle, *_ in running.values():
            launcher.kill(handle)
        raise
    finally:
        launcher.close()
    return results
