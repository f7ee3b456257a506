"""pysot's console tables (docs/toolkit.md §3-5), with colour.

Summary tables take the dicts of `toolkit.evaluation.report` and highlight the best value of each column
in bright green; video-level tables mark weak cells red as pysot does. Colour codes wrap only the padded
cell text, never the `|`. Colour is off when `color=False`, or when `color=None` and stdout is not a TTY.
"""
from __future__ import annotations

import math
import sys
from typing import Dict, List, Optional, Sequence

import numpy as np
from colorama import Fore, Style

BEST = Fore.GREEN + Style.BRIGHT
WEAK = Fore.RED


def use_color(color: Optional[bool] = None, stream=None) -> bool:
    """`color` when given, else whether `stream` (default stdout) is a terminal."""
    return bool(color) if color is not None else bool(getattr(stream or sys.stdout, "isatty", lambda: False)())


def _paint(text: str, style: str, on: bool) -> str:
    return f"{style}{text}{Style.RESET_ALL}" if on else text


def _num(v) -> float:
    return float("nan") if v is None else float(v)


def _best_mask(values: Sequence[float], higher_is_better: bool) -> List[bool]:
    finite = [v for v in values if not math.isnan(v)]
    best = (max(finite) if higher_is_better else min(finite)) if finite else None
    return [v == best for v in values]  # NaN equals nothing


def sort_desc(items, key):
    """Stable sort, largest first, NaN last."""
    return sorted(items, key=lambda it: (math.isnan(key(it)), -key(it) if not math.isnan(key(it)) else 0))


def _render(header: str, rows: List[List[str]], fmts: List[str], values: List[List[float]],
            higher: List[bool], color: bool) -> str:
    """rows[i][0] is the name cell; values/fmts/higher describe the numeric columns (the best one marked)."""
    bar = "-" * len(header)
    marks = [_best_mask([r[c] for r in values], h) for c, h in enumerate(higher)]
    lines = ["|" + "|".join([name_cell[0]] + [_paint(fmt.format(v), BEST, color and marks[c][i])
                                              for c, (fmt, v) in enumerate(zip(fmts, vals))]) + "|"
             for i, (name_cell, vals) in enumerate(zip(rows, values))]
    return "\n".join([bar, header, bar] + lines + [bar])


def _video_table(trackers: List[str], name_w: int, group_w: int, sub_header: str, videos, cells) -> str:
    """pysot's per-video tables: a row per video of each tracker's cells, `cells(tracker, video)` (painted)."""
    header1 = f"|{'Tracker name':^{name_w}}|" + "".join(f"{t:^{group_w}}|" for t in trackers)
    header2 = f"|{'Video name':^{name_w}}|" + sub_header * len(trackers)
    bar = "-" * len(header1)
    rows = [f"|{video:^{name_w}}|" + "".join(c + "|" for t in trackers for c in cells(t, video)) for video in videos]
    return "\n".join([bar, header1, bar, header2, bar] + rows + [bar])


# -- VOT --------------------------------------------------------------------------------------------

def vot_table(summary: Dict[str, dict], color: bool = False, topk: int = 20) -> str:
    """`| Tracker Name | Accuracy | Robustness | Lost Number | EAO |`, sorted by EAO['all'], top 20.

    Without EAO numbers the last column is dropped and the summary's order is kept (as pysot).
    """
    if not summary:
        return ""
    n = max(max(len(t) for t in summary) + 2, 12)
    with_eao = all("all" in (row.get("eao") or {}) for row in summary.values())
    header = f"|{'Tracker Name':^{n}}|{'Accuracy':^10}|{'Robustness':^12}|{'Lost Number':^13}|"
    fmts = ["{:^10.3f}", "{:^12.3f}", "{:^13.1f}"]
    higher = [True, False, False]
    names = list(summary)
    if with_eao:
        header, fmts, higher = header + f"{'EAO':^7}|", fmts + ["{:^7.3f}"], higher + [True]
        names = [t for t, _ in sort_desc(summary.items(), lambda it: _num(it[1]["eao"]["all"]))][:topk]
    values = [[_num(summary[t][k]) for k in ("accuracy", "robustness", "lost_number")]
              + ([_num(summary[t]["eao"]["all"])] if with_eao else []) for t in names]
    return _render(header, [[f"{t:^{n}}"] for t in names], fmts, values, higher, color)


def eao_table(eao_result: Dict[str, Dict[str, float]], tags: Sequence[str], topk: int = 10,
              color: bool = False) -> str:
    """pysot's multi-tag EAO table: `|Tracker Name|all|camera_motion|...|`, top-k by 'all'."""
    if not eao_result:
        return ""
    n = max(20, max(len(t) for t in eao_result) + 2)
    widths = [max(len(tag) + 2, 7) for tag in tags]
    header = f"|{'Tracker Name':^{n}}|" + "".join(f"{tag:^{w}}|" for tag, w in zip(tags, widths))
    key = tags[0] if "all" not in tags else "all"
    ordered = sort_desc(eao_result.items(), lambda it: _num(it[1].get(key)))[:topk]
    values = [[_num(r.get(tag)) for tag in tags] for _, r in ordered]
    return _render(header, [[f"{t:^{n}}"] for t, _ in ordered], [f"{{:^{w}.3f}}" for w in widths], values,
                   [True] * len(tags), color)


def vot_video_table(ar_result: Dict[str, dict], helight_threshold: float = 0.5, color: bool = False) -> str:
    """Per video and tracker: Acc (nanmean of the video's overlaps) and LN (mean failures over reps).

    Red when Acc < helight_threshold or LN > 0. pysot prints it only for fewer than 10 trackers.
    """
    trackers = list(ar_result)
    if not trackers:
        return ""

    def cells(t: str, video: str):
        ov = ar_result[t]["overlaps"].get(video)
        acc = float(np.nanmean(ov)) if ov is not None and not np.all(np.isnan(ov)) else float("nan")
        fails = ar_result[t]["failures"].get(video)
        ln = float(np.mean(fails)) if fails else float("nan")
        return (_paint(f"{acc:^8.3f}", WEAK, color and acc < helight_threshold),
                _paint(f"{ln:^8.3f}", WEAK, color and ln > 0))

    return _video_table(trackers, 14, 17, f"{'Acc':^8}|{'LN':^8}|", list(ar_result[trackers[-1]]["overlaps"]), cells)


# -- OPE --------------------------------------------------------------------------------------------

def ope_table(summary: Dict[str, dict], color: bool = False, topk: int = 20) -> str:
    """`| Tracker name | Success | Norm Precision | Precision |`, sorted by AUC, top 20; missing -> 0.000."""
    if not summary:
        return ""
    n = max(max(len(t) for t in summary) + 2, 12)
    header = f"|{'Tracker name':^{n}}|{'Success':^9}|{'Norm Precision':^16}|{'Precision':^11}|"
    ordered = sort_desc(summary.items(), lambda it: _num(it[1]["success_auc"]))[:topk]
    rows = [[f"{t:^{n}}"] for t, _ in ordered]
    values = [[_num(r["success_auc"]), float(r.get("norm_precision") or 0.0), float(r.get("precision") or 0.0)]
              for _, r in ordered]
    return _render(header, rows, ["{:^9.3f}", "{:^16.3f}", "{:^11.3f}"], values, [True, True, True], color)


def ope_video_table(success_ret: Dict[str, dict], precision_ret: Dict[str, dict],
                    helight_threshold: float = 0.6, color: bool = False) -> str:
    """Per video: success = mean of its success curve, precision = mean over all 51 thresholds (pysot's quirk,
    not @20). Red when below helight_threshold."""
    trackers = list(success_ret)
    if not trackers:
        return ""

    def cells(t: str, video: str):
        s, p = (float("nan") if c is None else float(np.mean(c))
                for c in (success_ret[t].get(video), precision_ret.get(t, {}).get(video)))
        return (_paint(f"{s:^9.3f}", WEAK, color and s < helight_threshold),
                _paint(f"{p:^11.3f}", WEAK, color and p < helight_threshold))

    return _video_table(trackers, 21, 21, f"{'success':^9}|{'precision':^11}|", success_ret[trackers[-1]], cells)
