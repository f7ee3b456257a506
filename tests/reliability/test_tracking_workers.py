"""Case 5 of the reliability issue: ``kill -9`` of a parallel run (tools/test.py --num_workers 2) must not orphan
its workers (they kept writing results, then hung on a pipe).

Covers: the worker processes of `toolkit.protocols.run_dataset` die with their parent when it is killed with
SIGKILL, by the Linux parent-death signal and by the portable fallback (a thread polling ``os.getppid()``, tested
with the prctl call made to fail).
"""
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

# A slow run: 4 videos x 40 frames, 0.25 s per frame, 2 workers; every worker writes its pid into <tmp>/pids when
# it builds its tracker. With NO_PRCTL set, the workers' ctypes.CDLL fails, so only the fallback is left.
SCRIPT = textwrap.dedent("""
    import ctypes, os, sys, time
    from pathlib import Path

    if os.environ.get("NO_PRCTL"):
        def _no_cdll(*args, **kwargs):
            raise OSError("no prctl in this test")
        ctypes.CDLL = _no_cdll

    class Sleepy:
        def init(self, img, box):
            self.box = list(box)

        def track(self, img):
            time.sleep(0.25)
            return {"bbox": self.box, "best_score": 1.0}

    class Factory:
        def __init__(self, pids):
            self.pids = pids

        def __call__(self):
            (Path(self.pids) / str(os.getpid())).touch()
            return Sleepy()

    if __name__ == "__main__":
        from tests.protocols.test_protocols import RECT, FakeDataset, make_video
        from toolkit.protocols import run_dataset

        tmp = Path(sys.argv[1])
        (tmp / "pids").mkdir()
        videos = [make_video(tmp / "data", n, [RECT] * 40) for n in "abcd"]
        run_dataset(FakeDataset("OTB100", videos), Factory(str(tmp / "pids")), "slow", results_dir=tmp / "results",
                    num_workers=2, threads_per_worker=1, progress=False)
""")


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    try:  # a zombie (dead, not yet reaped by its new parent) is gone too
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return not Path(f"/proc/{pid}").exists()


def wait_for(cond, timeout: float) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(0.2)
    return cond()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc and sends SIGKILL")
@pytest.mark.parametrize("no_prctl", [False, True], ids=["pdeathsig", "fallback"])
def test_workers_die_with_a_killed_parent(no_prctl, tmp_path):
    script = tmp_path / "slow_run.py"
    script.write_text(SCRIPT)
    env = dict(os.environ, PYTHONPATH=str(REPO), OMP_NUM_THREADS="1")
    env.pop("NO_PRCTL", None)
    if no_prctl:
        env["NO_PRCTL"] = "1"
    proc = subprocess.Popen([sys.executable, str(script), str(tmp_path)], env=env, cwd=str(tmp_path),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        pids_dir = tmp_path / "pids"
        started = wait_for(lambda: pids_dir.is_dir() and len(list(pids_dir.iterdir())) == 2, 120)
        assert started, proc.stderr.read().decode()[-2000:] if proc.poll() is not None else "workers did not start"
        pids = [int(p.name) for p in pids_dir.iterdir()]
        assert not any(gone(p) for p in pids)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        assert wait_for(lambda: all(gone(p) for p in pids), 30), f"workers still alive: {pids}"
        results = tmp_path / "results"
        written = sorted(results.rglob("*.txt")) if results.exists() else []
        time.sleep(1.0)  # nothing is written after the workers are gone
        assert (sorted(results.rglob("*.txt")) if results.exists() else []) == written
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.stderr.close()
