"""Evaluate trackers in parallel like pysot's eval.py: a Pool over trackers, imap_unordered, a tqdm bar.

The benchmark object reaches the workers once, through the pool initializer (inherited for free under
fork), instead of being pickled with every task. Errors from workers come back as plain ToolkitErrors
with the original message (which names file and line).
"""
from __future__ import annotations

import multiprocessing
from typing import Dict, Sequence

from tqdm import tqdm

from sotbase.errors import UserError
from toolkit.utils.errors import ToolkitError

_BENCHMARK = None


def _init_worker(benchmark) -> None:
    global _BENCHMARK
    _BENCHMARK = benchmark


def _call(task):
    method, tracker = task
    try:
        return getattr(_BENCHMARK, method)(tracker)
    except UserError as err:  # subclasses with custom __init__ do not unpickle: the message comes back as a str
        return str(err)


def run_per_tracker(benchmark, method: str, trackers: Sequence[str], num: int = 1,
                    desc: str = None, progress: bool = True) -> Dict[str, object]:
    """Merge `getattr(benchmark, method)(tracker)` (each a {tracker: result} dict) over trackers.

    num: worker processes (capped at the number of trackers; 1 = in this process). Result keys are sorted.
    """
    trackers = list(trackers)
    num = max(1, min(int(num), len(trackers)))
    merged: Dict[str, object] = {}
    with tqdm(total=len(trackers), desc=desc, ncols=100, disable=not progress) as bar:
        if num == 1:
            for tracker in trackers:
                merged.update(getattr(benchmark, method)(tracker))
                bar.update()
        else:
            with multiprocessing.Pool(num, initializer=_init_worker, initargs=(benchmark,)) as pool:
                for ret in pool.imap_unordered(_call, [(method, t) for t in trackers]):
                    if isinstance(ret, str):
                        raise ToolkitError(ret)
                    merged.update(ret)
                    bar.update()
    return {t: merged[t] for t in sorted(merged)}
