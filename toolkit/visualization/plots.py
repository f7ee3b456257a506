"""Plots as PNG files, like pysot's toolkit/visualization: OPE success / precision / normalised precision per
attribute, EAO curves, per-tag EAO bars.

Uses matplotlib's object API with the Agg canvas only: no pyplot state, no LaTeX, no plt.show, no change of
the global backend; matplotlib is imported on the first figure (`new_figure`), so importing this module, as the
evaluation CLI does, costs nothing when no plot is drawn. Files are written atomically (temp file + os.replace).
pysot's colours, line styles and "[%.3f] name" legends are kept; with more trackers than colours they cycle.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

import numpy as np

from sotbase.atomic import atomic_output
from toolkit.evaluation.ope_benchmark import NORM_PRECISION_THRESHOLDS, PRECISION_THRESHOLDS, SUCCESS_THRESHOLDS
from toolkit.evaluation.report import PRECISION_INDEX
from toolkit.visualization.tables import sort_desc

COLORS = ((1, 0, 0), (0, 1, 0), (1, 0, 1), (1, 1, 0), (0, 162 / 255, 232 / 255), (0.5, 0.5, 0.5),
          (0, 0, 1), (0, 1, 1), (136 / 255, 0, 21 / 255), (1, 127 / 255, 39 / 255), (0, 0, 0))
LINE_STYLES = ("-", "--", ":")


def _style(idx: int) -> dict:
    return {"color": COLORS[idx % len(COLORS)], "linestyle": LINE_STYLES[idx % len(LINE_STYLES)], "linewidth": 2}


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", str(text)).strip("_") or "x"


def new_figure(figsize):
    """A matplotlib Figure on an Agg canvas (matplotlib is slow to import and needed only here: imported lazily)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    fig = Figure(figsize=figsize)
    FigureCanvasAgg(fig)
    return fig


def save_figure(fig, path) -> Path:
    """Render to PNG next to `path` and move it into place atomically."""
    path = Path(path)
    with atomic_output(path) as tmp:
        fig.savefig(tmp, format="png", dpi=100, bbox_inches="tight")
    return path


def _axes(figsize, title: str, xlabel: str, ylabel: str, grid_axis: str = "both"):
    """A new figure's one subplot, with a grid, axis labels and a bold title."""
    fig = new_figure(figsize)
    ax = fig.add_subplot(111)
    ax.grid(visible=True, axis=grid_axis)
    ax.set(xlabel=xlabel, ylabel=ylabel)
    ax.set_title(title, fontweight="bold")
    return fig, ax


def _curve_plot(curves: Dict[str, np.ndarray], scores: Dict[str, float], thresholds: np.ndarray, title: str,
                xlabel: str, ylabel: str, legend_loc: str, xstep: float, bold_name: Optional[str]):
    fig, ax = _axes((6.4, 4.8), title, xlabel, ylabel)
    order = sort_desc(scores, lambda t: scores[t])
    for idx, name in enumerate(order):
        ax.plot(thresholds, curves[name], label="[%.3f] %s" % (scores[name], name), **_style(idx))
    legend = ax.legend(loc=legend_loc, labelspacing=0.2)
    if bold_name is not None:
        for text in legend.get_texts():
            if text.get_text().endswith("] " + bold_name):
                text.set_fontweight("bold")
    data = np.concatenate([np.asarray(curves[n], float) for n in order]) if order else np.zeros(1)
    data = data[np.isfinite(data)]
    ymin = float(data.min()) if data.size else 0.0
    ymax = (float(data.max()) if data.size else 1.0) + 0.03
    xmin, xmax = float(thresholds[0]), float(thresholds[-1])
    ax.set_xlim(xmin, xmax)
    ax.set_ylim(ymin, ymax)
    ax.set_xticks(np.arange(xmin, xmax + xstep / 10, xstep))
    ax.set_yticks(np.arange(ymin, ymax, 0.1))
    ax.set_box_aspect(1)
    return fig


def _mean_over(ret: Dict[str, Dict[str, np.ndarray]], videos: Iterable[str]) -> Dict[str, np.ndarray]:
    keep = set(videos)
    values = {t: [np.asarray(v, float) for k, v in per_video.items() if k in keep] for t, per_video in ret.items()}
    return {t: np.mean(v, axis=0) for t, v in values.items() if v}


def draw_success_precision(success_ret, name: str, videos: Iterable[str], attr: str, precision_ret=None,
                           norm_precision_ret=None, bold_name: Optional[str] = None, out_dir=".") -> List[Path]:
    """pysot's OPE plots for the videos of one attribute ('ALL' = the whole dataset); returns the PNG paths."""
    videos = list(videos)
    out_dir = Path(out_dir)
    suffix = f"{_safe(name)}_{_safe(attr)}.png"
    where = f"on {name}" if attr == "ALL" else f"- {attr}"
    paths = []
    for kind, ret, thr, label, step in (
            ("success", success_ret, SUCCESS_THRESHOLDS, "Success plots", 0.1),
            ("precision", precision_ret, PRECISION_THRESHOLDS, "Precision plots", 5.0),
            ("norm_precision", norm_precision_ret, NORM_PRECISION_THRESHOLDS, "Normalized Precision plots", 0.05)):
        curves = _mean_over(ret, videos) if ret else {}
        if not curves:
            continue
        success = kind == "success"  # AUC = mean of the curve; precisions at 20 px / 0.20
        scores = {t: float(np.mean(c) if success else c[PRECISION_INDEX]) for t, c in curves.items()}
        fig = _curve_plot(curves, scores, thr, f"{label} of OPE {where}",
                          *(("Overlap threshold", "Success rate", "lower left") if success else
                            ("Location error threshold", "Precision", "lower right")), step, bold_name)
        paths.append(save_figure(fig, out_dir / f"{kind}_{suffix}"))
    return paths


def draw_ope_plots(name: str, attributes: Dict[str, Sequence[str]], success_ret, precision_ret=None,
                   norm_precision_ret=None, out_dir=".", bold_name: Optional[str] = None) -> List[Path]:
    """Success/precision plots for 'ALL' and every attribute that has videos."""
    return [path for attr, videos in attributes.items() if videos
            for path in draw_success_precision(success_ret, name, videos, attr, precision_ret, norm_precision_ret,
                                               bold_name=bold_name, out_dir=out_dir)]


def draw_eao_curve(curves: Dict[str, np.ndarray], eao: Dict[str, float], interval: Tuple[int, int], name: str,
                   path, tag: str = "all") -> Path:
    """Expected overlap vs sequence length (index i = length i+1), the EAO interval shaded."""
    fig, ax = _axes((8, 4.8), f"Expected overlap curves on {name}" + ("" if tag == "all" else f" - {tag}"),
                    "Sequence length", "Expected overlap")
    low, high = interval
    ax.axvspan(low, high, color=(0.5, 0.5, 0.5), alpha=0.2, label=f"interval {low}-{high}")
    for idx, tracker in enumerate(sort_desc(curves, lambda t: eao.get(t, np.nan))):
        eo = np.asarray(curves[tracker], float)
        ax.plot(np.arange(1, len(eo) + 1), eo, label="[%.3f] %s" % (eao.get(tracker, np.nan), tracker),
                **_style(idx))
    ax.set_ylim(0, 1.03)
    ax.legend(loc="upper right", labelspacing=0.2)
    return save_figure(fig, path)


def draw_eao_tags(eao_result: Dict[str, Dict[str, float]], tags: Sequence[str], name: str, path) -> Path:
    """Grouped bars: one group per tag, one bar per tracker (ordered by EAO on 'all')."""
    fig, ax = _axes((max(6.4, 1.4 * len(tags) + 2), 4.8), f"EAO per attribute on {name}", "", "EAO", "y")
    key = "all" if "all" in tags else tags[0]
    order = sort_desc(eao_result, lambda t: eao_result[t].get(key, np.nan))
    width = 0.8 / max(len(order), 1)
    x = np.arange(len(tags))
    for idx, tracker in enumerate(order):
        vals = [eao_result[tracker].get(tag, np.nan) for tag in tags]
        ax.bar(x + (idx - (len(order) - 1) / 2) * width, np.nan_to_num(vals), width,
               color=COLORS[idx % len(COLORS)], edgecolor="black", linewidth=0.5,
               label="[%.3f] %s" % (eao_result[tracker].get(key, np.nan), tracker))
    ax.set_xticks(x)
    ax.set_xticklabels(tags, rotation=20)
    ax.legend(loc="upper right", labelspacing=0.2, fontsize="small")
    return save_figure(fig, path)


def draw_vot_plots(name: str, eao_curves: Dict[str, dict], interval: Tuple[int, int], tags: Sequence[str],
                   out_dir=".") -> List[Path]:
    """EAO curve per tag plus the per-tag bar chart; eao_curves = EAOBenchmark.eval_curves output."""
    out_dir = Path(out_dir)
    paths = []
    eao_result = {t: r["eao"] for t, r in eao_curves.items()}
    for tag in tags:
        curves = {t: r["curves"][tag] for t, r in eao_curves.items() if tag in r["curves"]}
        values = {t: r["eao"].get(tag, np.nan) for t, r in eao_curves.items()}
        paths.append(draw_eao_curve(curves, values, interval, name,
                                    out_dir / f"eao_curve_{_safe(name)}_{_safe(tag)}.png", tag=tag))
    if len(tags) > 1:
        paths.append(draw_eao_tags(eao_result, list(tags), name, out_dir / f"eao_tags_{_safe(name)}.png"))
    return paths
