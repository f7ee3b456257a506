"""`pysot-ss-eval` / tools/eval.py: score result folders in pysot's layout (docs/toolkit.md §9).

    python tools/eval.py -p ./results -d VOT2018 -n 4 -t Siam -s
    python tools/eval.py -d OTB100 --format json > otb.json
    python tools/eval.py -d custom:mydata --dataset_root data/mydata --protocol reset --eao_interval 20 80 --plot plots/

Bad data (a UserError, incl. result-file parse errors naming file:line) ends with a message on stderr and exit
status 2, without a traceback.
"""
from __future__ import annotations

import argparse
import glob
import os
import sys
import warnings
from typing import List, Optional

from sotbase.errors import UserError
from toolkit.datasets import DatasetFactory, split_custom
from toolkit.evaluation import VOT_TAGS, AccuracyRobustnessBenchmark, EAOBenchmark, OPEBenchmark, run_per_tracker
from toolkit.evaluation.report import ope_summary, to_csv, to_json, vot_summary
from toolkit.utils.errors import ToolkitError
from toolkit.visualization import plots, tables

EXIT_DATA_ERROR = 2


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="pysot-ss-eval", description="Evaluate tracker results (pysot layout).")
    p.add_argument("--tracker_path", "-p", default="./results", help="results root (default ./results)")
    p.add_argument("--dataset", "-d", required=True, help="dataset name, e.g. VOT2018, OTB100, LaSOT")
    p.add_argument("--num", "-n", type=int, default=1, help="worker processes over trackers (default 1)")
    p.add_argument("--tracker_prefix", "-t", default="", help="only tracker folders starting with this")
    p.add_argument("--show_video_level", "-s", action="store_true", help="also per-video numbers")
    p.add_argument("--vis", action="store_true", help="write plots to plots/<dataset> (see --plot)")
    p.add_argument("--plot", metavar="DIR", help="write PNG plots into DIR")
    p.add_argument("--dataset_root", help="dataset folder (default testing_dataset/<dataset>, relative to CWD)")
    p.add_argument("--format", choices=("table", "json", "csv"), default="table", help="stdout format")
    p.add_argument("--protocol", choices=("reset", "ope"), help="override the dataset's protocol (custom data)")
    p.add_argument("--eao_interval", nargs=2, type=int, metavar=("LOW", "HIGH"),
                   help="EAO sequence-length interval (needed for custom reset datasets)")
    p.add_argument("--tags", nargs="+", metavar="TAG",
                   help="EAO tags (default: all, camera_motion, illum_change, motion_change, size_change, "
                        "occlusion where the dataset has them; 'empty' on request)")
    p.add_argument("--allow_missing", action="store_true",
                   help="skip videos some tracker has no results for (warning) instead of failing")
    p.add_argument("--no_color", action="store_true", help="no colours in tables")
    return p


def find_trackers(tracker_path: str, dataset: str, prefix: str) -> List[str]:
    base = os.path.join(tracker_path, dataset)
    names = sorted(os.path.basename(p) for p in glob.glob(os.path.join(glob.escape(base), prefix + "*"))
                   if os.path.isdir(p))
    if not names:
        raise ToolkitError(f"no tracker result folders matching {os.path.join(base, prefix + '*')}")
    return names


def _evaluate_reset(args, dataset, trackers, videos):
    known = list(getattr(dataset, "tags", None) or ["all"])
    tags = list(dict.fromkeys(args.tags)) if args.tags else [t for t in VOT_TAGS if t in known] or ["all"]
    unknown = [t for t in tags if t not in known]
    if unknown:
        raise ToolkitError(f"unknown EAO tag(s) {', '.join(unknown)} for {dataset.name}; available: {', '.join(known)}")
    eao_bench = EAOBenchmark(dataset, tags=tags, interval=args.eao_interval, videos=videos)  # fails early
    ar_bench = AccuracyRobustnessBenchmark(dataset, videos=videos)
    ar_result = run_per_tracker(ar_bench, "eval", trackers, args.num, desc="eval ar")
    eao_curves = run_per_tracker(eao_bench, "eval_curves", trackers, args.num, desc="eval eao")
    eao_result = {t: r["eao"] for t, r in eao_curves.items()}
    summary = vot_summary(ar_result, eao_result, video_level=args.show_video_level)
    return {"summary": summary, "ar": ar_result, "eao": eao_result, "eao_curves": eao_curves, "tags": tags,
            "interval": (eao_bench.low, eao_bench.high)}


def _evaluate_ope(args, dataset, trackers, videos):
    bench = OPEBenchmark(dataset, videos=videos)
    out = {key: run_per_tracker(bench, "eval_" + key, trackers, args.num, desc="eval " + key.replace("_", " "))
           for key in ("success", "precision", "norm_precision")}
    out["summary"] = ope_summary(out["success"], out["precision"], out["norm_precision"],
                                 video_level=args.show_video_level)
    out["attributes"] = {a: [v for v in vs if videos is None or v in videos] for a, vs in bench.attributes().items()}
    return out


def _print_tables(args, protocol, out, n_trackers, color) -> None:
    video_level = args.show_video_level and n_trackers < 10
    if args.show_video_level and not video_level:
        print("note: video-level tables are printed for fewer than 10 trackers only "
              "(use --format json or csv for per-video numbers)", file=sys.stderr)
    if protocol == "reset":
        print(tables.vot_table(out["summary"], color=color))
        if len(out["tags"]) > 1 or "all" not in out["tags"]:
            print(tables.eao_table(out["eao"], out["tags"], topk=max(10, n_trackers), color=color))
        if video_level:
            print("\n\n" + tables.vot_video_table(out["ar"], color=color))
    else:
        print(tables.ope_table(out["summary"], color=color))
        if video_level:
            print("\n\n" + tables.ope_video_table(out["success"], out["precision"], color=color))


def _write_plots(out_dir: str, dataset_name: str, protocol: str, out) -> list:
    if protocol == "reset":
        return plots.draw_vot_plots(dataset_name, out["eao_curves"], out["interval"], out["tags"], out_dir)
    return plots.draw_ope_plots(dataset_name, out["attributes"], out["success"], out["precision"],
                                out["norm_precision"], out_dir)


def run(args) -> int:
    if args.num < 1:
        raise ToolkitError(f"--num must be >= 1, got {args.num}")
    name = split_custom(args.dataset)[1]  # custom:<Name> -> <Name>, the folder under the results and data roots
    trackers = find_trackers(args.tracker_path, name, args.tracker_prefix)
    root = args.dataset_root or os.path.join("testing_dataset", name)
    dataset = DatasetFactory.create_dataset(name=args.dataset, dataset_root=root, load_img=False, need_frames=False,
                                            protocol=args.protocol, eao_interval=args.eao_interval)
    results_dir = os.path.join(args.tracker_path, name)
    dataset.set_tracker(results_dir, trackers)
    skipped = dataset.load_tracker(results_dir, trackers, allow_missing=args.allow_missing) or []
    videos = None
    if skipped:
        videos = [v.name for v in dataset if v.name not in set(skipped)]
        print(f"warning: evaluating {len(videos)} of {len(dataset)} videos; skipped for every tracker "
              f"(results missing for some): {', '.join(skipped[:20])}{' ...' if len(skipped) > 20 else ''}",
              file=sys.stderr)
        if not videos:
            raise ToolkitError("no video has results from every tracker; nothing to evaluate")

    out = (_evaluate_reset if dataset.protocol == "reset" else _evaluate_ope)(args, dataset, trackers, videos)

    if args.format == "json":
        print(to_json(out["summary"]))
    elif args.format == "csv":
        sys.stdout.write(to_csv(out["summary"]))
    else:
        _print_tables(args, dataset.protocol, out, len(trackers), tables.use_color(False if args.no_color else None))

    plot_dir = args.plot or (os.path.join("plots", name) if args.vis else None)
    if plot_dir:
        paths = _write_plots(plot_dir, dataset.name, dataset.protocol, out)
        print(f"wrote {len(paths)} plot(s) to {plot_dir}", file=sys.stderr)
    return 0


def main(argv: Optional[List[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    # warnings as 'warning: message' lines on stderr (no source line), restored afterwards
    old = warnings.formatwarning
    warnings.formatwarning = lambda message, *a, **k: f"warning: {message}\n"
    try:
        return run(args)
    except (UserError, OSError) as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_DATA_ERROR
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    finally:
        warnings.formatwarning = old


if __name__ == "__main__":
    sys.exit(main())
