"""Run a tracker over a whole dataset: resumable, fault-tolerant, optionally parallel over videos.

    summary = run_dataset(dataset, factory, "my_tracker", results_dir="results", num_workers=2)
    sys.exit(summary.exit_code)

* `factory` is a picklable callable returning a tracker (``init(img, box)`` / ``track(img) -> {'bbox', ...}``).
  Each process calls it once. When the worker thread budget is known it is called as
  ``factory(num_threads=n)`` if it accepts that keyword (the toolkit itself never imports torch).
* A video whose result file(s) already exist and are complete is skipped, so re-running after Ctrl-C or a crash
  resumes; each video's files are written atomically when it finishes (`writers`), so only videos in flight are
  lost. An empty result file, or one with fewer lines than the video has frames, is tracked again (with a warning).
* An exception while tracking one video (tracker error, unreadable frame) is logged with the video's name and the
  run goes on; `RunSummary.exit_code` is 1 if any video failed.
* ``num_workers > 1`` runs videos in worker processes ('spawn' by default: safe with torch's thread pools).
  Threads per worker default to ``cores // num_workers`` (env ``TOOLKIT_THREADS_PER_WORKER`` overrides).
  Workers die with the process that runs `run_dataset`, even when it is killed (`kill -9`): nothing keeps
  writing results, or waits on a pipe, after it.
* If the factory itself raises, a single-process run re-raises it (nothing was tracked); in a worker every video
  it was given is reported as failed with "building the tracker failed: ...".
"""
from __future__ import annotations

import concurrent.futures as cf
import ctypes
import inspect
import multiprocessing
import os
import signal
import sys
import threading
import time
import traceback
from dataclasses import dataclass, field
from typing import Callable, List, Optional, Sequence

from sotbase.system import available_cores
from toolkit.datasets.base import PROTOCOLS, select_videos
from toolkit.protocols.frames import FrameSource
from toolkit.protocols.one_pass import run_one_pass
from toolkit.protocols.reset import run_reset
from toolkit.protocols.writers import ResultLayout, layout_name_for, make_layout
from toolkit.utils.errors import ToolkitError

__all__ = ["VideoOutcome", "RunSummary", "run_dataset", "run_video", "default_protocol", "THREADS_ENV"]

THREADS_ENV = "TOOLKIT_THREADS_PER_WORKER"
_VOT_RESET = ("VOT2016", "VOT2017", "VOT2018", "VOT2019")


@dataclass
class VideoOutcome:
    name: str
    status: str  # "done", "skipped" (results already there) or "failed"
    index: int = 0
    frames: int = 0
    seconds: float = 0.0
    lost: int = 0
    error: str = ""
    traceback: str = ""

    @property
    def fps(self) -> float:
        """pysot's Speed: (frames - 1) / time spent in the tracker."""
        return (self.frames - 1) / self.seconds if self.seconds > 0 else 0.0


@dataclass
class RunSummary:
    dataset: str
    tracker: str
    protocol: str
    layout: str
    results_root: str
    outcomes: List[VideoOutcome] = field(default_factory=list)

    def _with(self, status: str) -> List[VideoOutcome]:
        return [o for o in self.outcomes if o.status == status]

    @property
    def done(self) -> List[VideoOutcome]:
        return self._with("done")

    @property
    def skipped(self) -> List[VideoOutcome]:
        return self._with("skipped")

    @property
    def failed(self) -> List[VideoOutcome]:
        return self._with("failed")

    @property
    def total_lost(self) -> int:
        return sum(o.lost for o in self.done)

    @property
    def fps(self) -> float:
        frames = sum(o.frames for o in self.done)
        secs = sum(o.seconds for o in self.done)
        return frames / secs if secs > 0 else 0.0

    @property
    def ok(self) -> bool:
        return not self.failed

    @property
    def exit_code(self) -> int:
        return 0 if self.ok else 1


def default_protocol(dataset) -> str:
    """The dataset's own `protocol` attribute, else pysot's rule (reset for VOT2016-2019, one-pass otherwise)."""
    return getattr(dataset, "protocol", None) or ("reset" if getattr(dataset, "name", "") in _VOT_RESET else "ope")


def run_video(tracker, video, protocol: str, layout: ResultLayout, index: int = 0,
              on_frame: Optional[Callable] = None, on_progress: Optional[Callable[[int], None]] = None
              ) -> VideoOutcome:
    """Track one video with `protocol` and write its results; exceptions become a "failed" outcome."""
    name = str(video.name)
    try:
        frames = FrameSource(video)
        run = run_reset if protocol == "reset" else run_one_pass
        record = run(tracker, frames, on_frame=on_frame, on_progress=on_progress)
        layout.write(name, record)
    except Exception as e:  # one bad video must not end the run; KeyboardInterrupt still does
        return VideoOutcome(name, "failed", index, error=f"{type(e).__name__}: {e}",
                            traceback=traceback.format_exc())
    return VideoOutcome(name, "done", index, frames=len(frames), seconds=record.total_time, lost=record.lost)


def _build_tracker(factory: Callable, num_threads: Optional[int]):
    if num_threads is not None:
        try:
            params = inspect.signature(factory).parameters
            takes = "num_threads" in params or any(p.kind == p.VAR_KEYWORD for p in params.values())
        except (TypeError, ValueError):
            takes = False
        if takes:
            return factory(num_threads=num_threads)
    return factory()


_WORKER: dict = {}


def _die_with_parent(parent: Optional[int]) -> None:
    """End this worker when `parent` (None: the process that started it) ends, however it ends.

    Linux: PR_SET_PDEATHSIG, which the kernel sends when the *thread* that started this process exits; the workers
    are started by the thread running `run_dataset`, which waits for them. Then, as a check that the parent did not
    die before the signal was armed and as the fallback elsewhere, a daemon thread polls ``os.getppid()``."""
    parent = os.getppid() if parent is None else parent
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGKILL))  # 1 = PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:
        os._exit(1)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="die-with-parent", daemon=True).start()


def _worker_init(factory: Callable, num_threads: Optional[int], parent: Optional[int] = None) -> None:
    _die_with_parent(parent)
    # Ctrl-C is handled by the parent, which terminates the workers (their videos in flight are lost anyway).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if num_threads is not None:
        for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
            os.environ[var] = str(num_threads)
    _WORKER.clear()
    _WORKER.update(factory=factory, threads=num_threads, tracker=None, error=None)


def _worker_run(video, protocol: str, layout: ResultLayout, index: int) -> VideoOutcome:
    if _WORKER["tracker"] is None and _WORKER["error"] is None:
        try:
            _WORKER["tracker"] = _build_tracker(_WORKER["factory"], _WORKER["threads"])
        except Exception as e:
            _WORKER["error"] = (f"building the tracker failed: {type(e).__name__}: {e}", traceback.format_exc())
    if _WORKER["error"] is not None:
        msg, tb = _WORKER["error"]
        return VideoOutcome(str(video.name), "failed", index, error=msg, traceback=tb)
    return run_video(_WORKER["tracker"], video, protocol, layout, index)


def _terminate(executor: cf.ProcessPoolExecutor) -> None:
    """Stop the workers now (Python >= 3.14 has terminate_workers; older ones keep the processes privately)."""
    terminate = getattr(executor, "terminate_workers", None)
    if terminate is not None:
        terminate()
        return
    procs = list((getattr(executor, "_processes", None) or {}).values())
    executor.shutdown(wait=False, cancel_futures=True)
    for p in procs:
        if p.is_alive():
            p.terminate()
    for p in procs:
        p.join(timeout=5)


def _line(outcome: VideoOutcome, protocol: str) -> str:
    """pysot's console line for a finished video (docs/toolkit.md §7.2/§7.3)."""
    if protocol == "reset":
        return "({:3d}) Video: {:12s} Time: {:4.1f}s Speed: {:3.1f}fps Lost: {:d}".format(
            outcome.index + 1, outcome.name, outcome.seconds, outcome.fps, outcome.lost)
    return "({:3d}) Video: {:12s} Time: {:5.1f}s Speed: {:3.1f}fps".format(
        outcome.index + 1, outcome.name, outcome.seconds, outcome.fps)


def _tqdm(enabled: bool, **kw):
    from tqdm import tqdm
    return tqdm(disable=not enabled, dynamic_ncols=True, **kw)


def _write(msg: str, stream=None) -> None:
    from tqdm import tqdm
    tqdm.write(msg, file=stream or sys.stdout)


def run_dataset(dataset, tracker_factory: Callable, tracker_name: str, results_dir="results",
                protocol: Optional[str] = None, layout: Optional[str] = None,
                videos: Optional[Sequence[str]] = None, num_workers: int = 1,
                threads_per_worker: Optional[int] = None, mp_context: str = "spawn",
                on_frame_factory: Optional[Callable] = None, progress: bool = True,
                log: Optional[Callable[[str], None]] = None) -> RunSummary:
    """Run `tracker_factory()`'s tracker over `dataset` and write results under
    ``<results_dir>/<dataset.name>/<tracker_name>/``.

    protocol: "reset" or "ope" (default: `default_protocol(dataset)`); layout: a `writers.LAYOUTS` name
    (default by dataset name and protocol). `on_frame_factory(video)` may return an ``on_frame`` callback
    (visualisation; sequential runs only). Returns a `RunSummary`; a KeyboardInterrupt is re-raised after the
    workers are stopped.
    """
    log = log or _write
    name = str(getattr(dataset, "name", "dataset"))
    protocol = protocol or default_protocol(dataset)
    if protocol not in PROTOCOLS:
        raise ToolkitError(f"unknown protocol {protocol!r}; choose one of {', '.join(PROTOCOLS)}")
    layout_obj = make_layout(layout or layout_name_for(name, protocol), results_dir, name, tracker_name)
    summary = RunSummary(name, tracker_name, protocol, layout_obj.name, str(layout_obj.root))

    todo = []
    for index, video in enumerate(select_videos(dataset, videos or None)):
        frames = len(video.gt_traj) if getattr(video, "gt_traj", None) is not None else None
        reason = layout_obj.incomplete(video.name, frames)  # reads the result file once
        if not reason and layout_obj.exists(video.name):
            summary.outcomes.append(VideoOutcome(video.name, "skipped", index))
        else:
            if reason:
                log(f"warning: {reason}: tracking {video.name} again")
            layout_obj.clean_partial(video.name)
            todo.append((index, video))
    if summary.skipped:
        log(f"{tracker_name}: {len(summary.skipped)} video(s) already have results in {layout_obj.root}, skipped")

    if num_workers > 1 and on_frame_factory is not None:
        log("visualisation needs a single process: running with num_workers=1")
        num_workers = 1
    num_workers = max(1, min(int(num_workers), len(todo) or 1))
    if threads_per_worker is None and os.environ.get(THREADS_ENV):
        threads_per_worker = int(os.environ[THREADS_ENV])
    if threads_per_worker is None and num_workers > 1:
        threads_per_worker = max(1, available_cores() // num_workers)

    def finished(outcome: VideoOutcome) -> None:
        summary.outcomes.append(outcome)
        if outcome.status == "done":
            log(_line(outcome, protocol))
        else:
            log(f"({outcome.index + 1:3d}) Video: {outcome.name:12s} FAILED: {outcome.error}")

    if todo:
        with _tqdm(progress, total=len(todo), desc=f"{tracker_name} on {name}", unit="video",
                   position=0) as bar:
            if num_workers == 1:
                _run_sequential(todo, tracker_factory, threads_per_worker, protocol, layout_obj,
                                on_frame_factory, progress, finished, bar)
            else:
                _run_parallel(todo, tracker_factory, threads_per_worker, protocol, layout_obj, num_workers,
                              mp_context, finished, bar)

    summary.outcomes.sort(key=lambda o: o.index)
    if protocol == "reset" and summary.done:
        note = f" (the {len(summary.done)} video(s) tracked in this run)" if summary.skipped else ""
        log("{:s} total lost: {:d}".format(tracker_name, summary.total_lost) + note)
    speed = f"{summary.fps:.1f} fps" if summary.done else "nothing tracked"
    log(f"{tracker_name} on {name}: {len(summary.done)} done, {len(summary.skipped)} skipped, "
        f"{len(summary.failed)} failed; {speed}; results in {layout_obj.root}")
    for o in summary.failed:
        log(f"  failed: {o.name}: {o.error}")
    return summary


def _run_sequential(todo, factory, threads, protocol, layout, on_frame_factory, progress, finished, bar):
    tracker = _build_tracker(factory, threads)
    for index, video in todo:
        on_frame = on_frame_factory(video) if on_frame_factory is not None else None
        n = len(getattr(video, "img_names", None) or []) or None
        with _tqdm(progress, total=n, desc=str(video.name), unit="frame", leave=False, position=1) as vbar:
            def on_progress(done, _vbar=vbar):
                _vbar.update(done - _vbar.n)
            outcome = run_video(tracker, video, protocol, layout, index, on_frame, on_progress)
        finished(outcome)
        bar.update(1)


def _run_parallel(todo, factory, threads, protocol, layout, num_workers, mp_context, finished, bar):
    ctx = multiprocessing.get_context(mp_context)
    # a fork server, not this process, is the parent of its workers
    parent = None if ctx.get_start_method() == "forkserver" else os.getpid()
    executor = cf.ProcessPoolExecutor(max_workers=num_workers, mp_context=ctx, initializer=_worker_init,
                                      initargs=(factory, threads, parent))
    try:
        futures = {executor.submit(_worker_run, video, protocol, layout, index): (index, video)
                   for index, video in todo}
        for fut in cf.as_completed(futures):
            index, video = futures[fut]
            try:
                outcome = fut.result()
            except Exception as e:  # a worker died (BrokenProcessPool) or the video could not be pickled
                outcome = VideoOutcome(str(video.name), "failed", index, error=f"{type(e).__name__}: {e}",
                                       traceback=traceback.format_exc())
            finished(outcome)
            bar.update(1)
    except BaseException:
        _terminate(executor)
        raise
    executor.shutdown(wait=True)
