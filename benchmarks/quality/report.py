"""Numbers -> tables: seed aggregation, the paper-claims check, results.md and results.json.

Seeded rows show ``mean ± s`` with s the sample standard deviation over the seeds (n - 1 in the denominator); the
per-seed values, min and max are in results.json. The claims check only compares means: it reports, it tunes nothing.
"""
from __future__ import annotations

import math
import statistics
from typing import Dict, List, Optional, Sequence


OPE_METRICS = (("success_auc", "Success AUC", 3), ("precision", "Precision@20", 3))
RESET_METRICS = (("accuracy", "Accuracy", 3), ("robustness", "Robustness", 3), ("lost_number", "Lost Number", 1),
                 ("eao", "EAO", 3))


def metric_value(summary: Optional[dict], key: str) -> Optional[float]:
    if not summary:
        return None
    v = summary.get(key)
    if isinstance(v, dict):  # EAO per tag
        v = v.get("all")
    if v is None:
        return None
    v = float(v)
    return None if math.isnan(v) else v


def aggregate(values: Sequence[Optional[float]]) -> dict:
    """{'mean', 'std' (sample, None for one value), 'min', 'max', 'n', 'values'} of the non-missing values."""
    vals = [float(v) for v in values if v is not None]
    out = {"values": [None if v is None else float(v) for v in values], "n": len(vals)}
    if not vals:
        return {**out, "mean": None, "std": None, "min": None, "max": None}
    return {**out, "mean": statistics.fmean(vals), "std": statistics.stdev(vals) if len(vals) > 1 else None,
            "min": min(vals), "max": max(vals)}


def row_numbers(plan) -> Dict[str, dict]:
    """{row: {'ope': {metric: aggregate}, 'reset': {...}, 'seeds': [...], 'runs': [...]}}"""
    out = {}
    for row in plan.rows:
        runs = plan.row_runs.get(row.id, [])
        entry = {"label": row.label, "group": row.group, "training": row.training, "tracking": row.tracking,
                 "runs": runs, "seeds": plan.row_seeds.get(row.id, [])}
        for protocol, metrics in (("ope", OPE_METRICS), ("reset", RESET_METRICS)):
            entry[protocol] = {key: aggregate([metric_value(plan.summaries.get(f"{r}/{protocol}"), key) for r in runs])
                               for key, _, _ in metrics}
        entry["videos"] = {protocol: _per_video(plan, runs, protocol, key)
                           for protocol, key in (("ope", "success_auc"), ("reset", "lost_number"))}
        out[row.id] = entry
    return out


def _per_video(plan, runs: Sequence[str], protocol: str, key: str) -> Dict[str, dict]:
    """{video: aggregate of `key` over the row's runs} from tools/eval.py's --show_video_level output."""
    vids: Dict[str, list] = {}
    for r in runs:
        for video, vals in ((plan.summaries.get(f"{r}/{protocol}") or {}).get("videos") or {}).items():
            vids.setdefault(video, []).append(metric_value(vals, key))
    return {v: aggregate(vals) for v, vals in vids.items()}


def fmt(agg: dict, digits: int) -> str:
    if agg is None or agg.get("mean") is None:
        return "n/a"
    s = f"{agg['mean']:.{digits}f}"
    if agg.get("std") is not None:
        s += f" ± {agg['std']:.{digits}f}"
    if agg["n"] < len(agg["values"]):
        s += f" ({agg['n']}/{len(agg['values'])} runs)"
    return s


# ---------------------------------------------------------------------------------------------- claims
# (claim id, text, row a, row b, kind, paper evidence); kind "ratio95": mean(a) >= 0.95 * mean(b); "geq": a >= b
CLAIMS = [
    ("C1", "S2SiamFC reaches at least 95 % of supervised SiamFC", "s2siamfc", "siamfc_supervised", "ratio95",
     "VOT2018 EAO .180 vs .188 (96 %); VOT2016 .215 vs .235 (91 %)"),
    ("C2", "S2SiamFC is above KCF", "s2siamfc", "kcf", "gt", "VOT2018 EAO .180 vs .135"),
    ("C3", "supervised SiamFC is above KCF", "siamfc_supervised", "kcf", "gt", "VOT2018 EAO .188 vs .135"),
    ("C4", "anti-clutter weighting helps (SS + AC >= SS)", "abl_ss_ac", "abl_ss", "geq", "EAO .136 vs .130"),
    ("C5", "adversarial masking helps (SS + AC + AM >= SS + AC)", "abl_ss_ac_am", "abl_ss_ac", "geq",
     "EAO .166 vs .136"),
    ("C6", "hard negatives help on top of AC + AM (all >= SS + AC + AM)", "abl_all", "abl_ss_ac_am", "geq",
     "EAO .180 vs .166"),
    ("C7", "hard negatives alone (SS + AC + HN >= SS + AC; the paper itself shows -0.001)", "abl_ss_ac_hn",
     "abl_ss_ac", "geq", "EAO .135 vs .136"),
    ("C8", "the linear template update helps", "s2siamfc_lu", "s2siamfc", "geq", "EAO .190 vs .180"),
    ("C9", "one-image fine-tuning helps", "s2siamfc_ft", "s2siamfc", "geq",
     "shown for supervised SiamFC: EAO .188 -> .200 (5 iterations)"),
    ("X1", "(not a paper claim) more unlabeled images help: train frames + unlabeled/ >= train frames only",
     "s2siamfc_more", "s2siamfc", "geq", "-"),
]
CLAIM_METRICS = (("reset", "eao", "EAO"), ("ope", "success_auc", "AUC"))


def _noise(numbers: Dict[str, dict], rows: Sequence[str], protocol: str, key: str) -> Optional[float]:
    """Seed noise of a comparison: the largest seed std of the rows involved, else of the S2SiamFC row."""
    stds = [numbers[r][protocol][key]["std"] for r in rows if r in numbers and numbers[r][protocol][key]["std"]]
    if not stds and "s2siamfc" in numbers:
        s = numbers["s2siamfc"][protocol][key]["std"]
        stds = [s] if s else []
    return max(stds) if stds else None


def check_claims(numbers: Dict[str, dict]) -> List[dict]:
    out = []
    for cid, text, a, b, kind, paper in CLAIMS:
        claim = {"id": cid, "claim": text, "rows": [a, b], "paper": paper, "metrics": {}}
        if a not in numbers or b not in numbers:
            claim["verdict"] = "not evaluated (row not run)"
            out.append(claim)
            continue
        ok = []
        for protocol, key, name in CLAIM_METRICS:
            va, vb = numbers[a][protocol][key]["mean"], numbers[b][protocol][key]["mean"]
            if va is None or vb is None:
                claim["metrics"][name] = {"a": va, "b": vb, "holds": None}
                continue
            noise = _noise(numbers, (a, b), protocol, key)
            if kind == "ratio95":
                ratio = va / vb if vb > 0 else float("inf")
                holds = ratio >= 0.95
                m = {"a": va, "b": vb, "ratio": ratio, "holds": holds}
            else:
                holds = va > vb if kind == "gt" else va >= vb
                m = {"a": va, "b": vb, "diff": va - vb, "holds": holds}
            m["seed_std"] = noise
            m["within_noise"] = bool(noise is not None and abs(va - vb) < noise)
            claim["metrics"][name] = m
            ok.append(holds)
        if not ok:
            claim["verdict"] = "not evaluable (numbers missing)"
        elif all(ok):
            claim["verdict"] = "supported"
        elif any(ok):
            claim["verdict"] = "mixed (" + ", ".join(f"{n}: {'yes' if m['holds'] else 'no'}"
                                                   for n, m in claim["metrics"].items() if m["holds"] is not None) + ")"
        else:
            claim["verdict"] = "not supported"
        if any(m.get("within_noise") for m in claim["metrics"].values()):
            claim["verdict"] += "; difference within seed noise"
        out.append(claim)
    return out


def _claim_detail(c: dict) -> str:
    parts = []
    for name, m in c["metrics"].items():
        if m.get("a") is None or m.get("b") is None:
            parts.append(f"{name}: n/a")
        elif "ratio" in m:
            parts.append(f"{name} {m['a']:.3f} / {m['b']:.3f} = {100 * m['ratio']:.0f} %")
        else:
            parts.append(f"{name} {m['a']:.3f} vs {m['b']:.3f} ({m['diff']:+.3f})")
    return "; ".join(parts) or "-"


# ---------------------------------------------------------------------------------------------- markdown
def _table(header: List[str], rows: List[List[str]]) -> List[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return lines


def _seeds_text(seeds) -> str:
    seeds = [s for s in seeds if s is not None]
    return ", ".join(map(str, seeds)) if seeds else "-"


def render_markdown(doc: dict) -> str:
    m = doc["meta"]
    d = doc["data"]
    L: List[str] = []
    title = "# Quality study: S2SiamFC vs supervised SiamFC vs OpenCV KCF/CSRT"
    L += [title, ""]
    if m["smoke"]:
        L += ["> **Smoke run** (tiny sizes, pipeline check only): the numbers below mean nothing.", ""]
    n_inv = len(doc.get("invocations") or [])
    if n_inv > 1:
        L += [f"Assembled from {n_inv} runs of quality.py sharing one work folder (Hardware says which machine ran "
              f"what); the last one, below, re-scored every result.", ""]
    L += [f"Generated by `{m['invocation']}` on {m['date']} in {m['wall_s']:.0f} s "
          f"({m['tasks_ran']} commands run, {m['tasks_reused']} reused, {m.get('tasks_skipped', 0)} skipped, "
          f"{m['tasks_failed']} failed, "
          f"{m['tasks_blocked']} blocked).", ""]
    for note in d["notes"]:
        L.append(f"*Note:* {note}")
    if d["notes"]:
        L.append("")
    rows = doc["rows"]

    L += ["## One-pass protocol (OPE)", "",
          "Success AUC (mean of the success curve over IoU thresholds 0..1) and precision at 20 px, averaged over "
          "the eval sequences.", ""]
    body = []
    for rid, r in rows.items():
        body.append([r["label"], _seeds_text(r["seeds"])] + [fmt(r["ope"][k], dg) for k, _, dg in OPE_METRICS]
                    + [_fps(doc, r, "ope")])
    L += _table(["Row", "Seeds"] + [n for _, n, _ in OPE_METRICS] + ["fps"], body) + [""]
    L += ["fps: frames per second of tools/test.py on the machine that ran the row (see Hardware).", ""]

    lo, hi = d["eao_interval"]
    L += ["## Reset protocol (VOT)", "",
          f"Accuracy, Robustness (failures per 100 frames, pysot's definition), Lost Number (failures, summed over "
          f"the sequences) and EAO over sequence lengths {lo}-{hi} (see Protocols). Re-initialisation 5 frames after "
          f"a failure.", ""]
    body = []
    for rid, r in rows.items():
        body.append([r["label"], _seeds_text(r["seeds"])] + [fmt(r["reset"][k], dg) for k, _, dg in RESET_METRICS])
    L += _table(["Row", "Seeds"] + [n for _, n, _ in RESET_METRICS], body) + [""]
    L += ["Seeded rows: mean ± sample standard deviation over the seeds (per-seed values in results.json and "
          "below).", ""]

    videos = list(dict.fromkeys(v for r in rows.values() for v in r.get("videos", {}).get("ope", {})))
    if videos:
        L += ["## Per sequence", "",
              "One-pass success AUC per eval sequence and, after the slash, reset-protocol failures (lost number); "
              "seed means for the seeded rows. Six short sequences make every mean above sensitive to single "
              "videos: look here before reading a difference of a few hundredths.", ""]
        body = []
        for r in rows.values():
            cells = []
            for v in videos:
                auc = r["videos"]["ope"].get(v, {}).get("mean")
                lost = r["videos"]["reset"].get(v, {}).get("mean")
                cells.append(("n/a" if auc is None else f"{auc:.2f}") + " / " +
                             ("n/a" if lost is None else f"{lost:.1f}".rstrip("0").rstrip(".")))
            body.append([r["label"]] + cells)
        L += _table(["Row"] + videos, body) + [""]

    L += ["## Paper claims check", "",
          "Each claim of the paper (Sio et al., S2SiamFC, ACM MM 2020) compared on our means, EAO (reset) and AUC "
          "(one-pass). *supported* = holds on both, *mixed* = one of them. \"Within seed noise\" = the difference is "
          "smaller than the seed standard deviation of the rows involved (or of S2SiamFC when they have one seed). "
          "Reported as measured; nothing was tuned to these numbers.", ""]
    body = [[c["id"], c["claim"], c["paper"], _claim_detail(c), f"**{c['verdict']}**"] for c in doc["claims"]]
    L += _table(["", "Claim", "Paper", "Ours", "Verdict"], body) + [""]

    L += ["## Rows", ""]
    body = [[r["label"], f"`{rid}`", r["training"], r["tracking"], ", ".join(f"`{x}`" for x in r["runs"])]
            for rid, r in rows.items()]
    L += _table(["Row", "id", "Training", "Tracking", "Tracking runs"], body) + [""]
    L += ["The ablation rows follow the paper's Table 3 and are all tracked the same way (no template update, no "
          "fine-tuning), so their differences come from training alone. \"SS + AC + AM\" is the stage-1 model of the "
          "full method (experiments/study/ss_ac_am.yaml), so it is trained once per seed. \"all\" is the S2SiamFC "
          "model of the first seed (experiments/study/s2siamfc.yaml, the same settings as "
          "experiments/s2siamfc/config.yaml); stage-2 runs start from scratch. Every config of the study is in "
          "experiments/study/ (the supervised one: experiments/s2siamfc/siamfc_supervised.yaml). KCF is OpenCV's "
          "TrackerKCF with its detection gate off "
          "(TRACK.OPENCV.KCF_DETECT_THRESH 0.0 = the published KCF, always updating): with OpenCV's default gate of "
          "0.5 it stops updating whenever the peak is low and keeps its last box (pysot_ss/tracker/opencv.py).", ""]

    L += ["## Data", ""]
    copies = [i for i in doc.get("invocations", []) if i.get("copy")]
    where = ("read in place, nothing copied" if not copies else
             "read in place here; " + ", ".join(sorted({i['machine'] for i in copies})) +
             " read a size-capped copy, see the notes below")
    L += [f"* Kind: **{d['kind']}**; sequences `{d['sequences']}` ({where}).",
          f"* Train split (used for training only): {', '.join(d['train'])}. Self-supervised runs use every "
          f"**{_ordinal(d['frame_step'])} frame** of their `img/` folders as unlabeled images, "
          f"{doc['sizes']['images'].get('train', '?')} images; the supervised baseline uses the same frames with "
          f"their boxes (SiamFC pairs up to 100 frames apart in the video).",
          f"* Row 2b adds `{d['unlabeled']}`" + (f" (sub-folders {', '.join(d['unlabeled_subdirs'])})"
                                                  if d['unlabeled_subdirs'] else "") +
          f": {doc['sizes']['images'].get('more', '?')} images in all, sampled in proportion to their number; "
          f"the same number of training pairs as the other runs.",
          f"* Eval split: " + ", ".join(f"{v} ({d['eval_lengths'][v]} frames)" for v in d["eval"]) +
          f"; description `{d['eval_dataset']}`.",
          f"* K-means clusters for hard negatives: K = round(images / 39) (the paper's 3862 snippets / 100), "
          f"at least 2: K = {', '.join(f'{k} ({kind})' for kind, k in doc['sizes']['clusters_k'].items())}."]
    for inv in copies:
        for note in inv.get("data_notes") or []:
            if "size-capped copy" in note:
                L.append(f"* On {inv['machine']}: {note}.")
    L.append("")

    info = d["eao_interval_rule"]
    L += ["## Protocols", "",
          "* One-pass (OPE): initialised on the first frame's box, never reset.",
          "* Reset (VOT baseline): re-initialised 5 frames after a failure (zero overlap); pysot's Accuracy, "
          "Robustness, Lost Number, EAO (one run per sequence).",
          f"* EAO interval **[{lo}, {hi}]**, derived like VOT derives its intervals: a Gaussian kernel density "
          f"estimate of the eval sequence lengths {info.get('lengths')} (Silverman bandwidth "
          f"{info.get('bandwidth')} frames), and the range around its mode ({info.get('mode')}) that holds half of "
          f"the probability mass ({info.get('mass')}). For comparison VOT2018 uses [100, 356] for its 60 sequences "
          f"of 41-1500 frames.", ""]

    s = doc["sizes"]
    L += ["## Sizes and seeds", "",
          f"* Every training run: {s['epochs']} epoch(s) x {s['pairs_per_epoch']} pairs, batch {s['batch_size']} "
          f"({s['steps_per_run']} steps), SGD 1e-2 -> 1e-5 (exponential over the epochs), {s['workers']} loader "
          f"worker(s). The paper: 50 epochs x 3862 pairs (24,138 steps of 8).",
          f"* Seeds: {', '.join(map(str, s['seeds']))} for the seeded rows; single-seed rows use seed "
          f"{s['seeds'][0]}.",
          f"* Overrides of the configs' tracking/clustering settings (smoke sizes, threads): "
          f"{s['overrides'] or 'none'}.", ""]

    L += ["## Hardware", ""]
    invs = doc.get("invocations") or [{"machine": "this machine", "hardware": doc["hardware"], "invocation":
                                       m["invocation"], "date": m["date"], "ran": {}, "wall_s": m["wall_s"]}]
    if len(invs) > 1:
        L += [f"The study was assembled from {len(invs)} runs of quality.py (same work folder, same sizes); each "
              "command ran on the machine named here, and its fps and wall time are that machine's.", ""]
    for inv in invs:
        h = inv["hardware"]
        ran = ", ".join(f"{n} {st}" for st, n in (inv.get("ran") or {}).items() if n) or "nothing new"
        L += [f"* **{inv.get('machine', '?')}** ({inv['date']}, {inv.get('wall_s') or 0:.0f} s; ran {ran}): "
              f"CPU {h['cpu']} "
              f"({h['cores']} cores usable); device: {h['device']}" + (f" ({h['gpu']})" if h.get("gpu") else "") +
              f"; torch threads per command: {h['threads']}; Python {h['python']}, torch {h['torch']}, OpenCV "
              f"{h['opencv']}, numpy {h['numpy']}; launcher `{h['launcher']}`, {h['jobs']} command(s) at a time"
              + ("; data: a size-capped copy" if inv.get("copy") else "") + ".",
              f"  `{inv['invocation']}`"]
    L.append("")

    load = m.get("loadavg_end")
    L += ["## Wall time per stage", "",
          "Wall seconds of the commands and their CPU seconds (user + system, all threads), as recorded when each "
          "last ran (reused ones included). The machine may be shared: wall time depends on the load (load average "
          f"at the end: {', '.join(f'{v:.1f}' for v in load) if load else 'unknown'}), CPU time much less so.", ""]
    body = [[st, f"{v['wall_s']:.1f}", "-" if v.get("cpu_s") is None else f"{v['cpu_s']:.1f}", str(v["count"]),
             str(v["ran"])] for st, v in doc["stages"].items()]
    L += _table(["Stage", "Wall s", "CPU s", "Commands", "Run this time"], body) + [""]

    L += ["## Per-seed values", ""]
    body = []
    for rid, r in rows.items():
        if len(r["runs"]) < 2:
            continue
        for i, run in enumerate(r["runs"]):
            vals = [r["ope"]["success_auc"]["values"][i], r["reset"]["eao"]["values"][i],
                    r["reset"]["lost_number"]["values"][i]]
            body.append([r["label"], str(r["seeds"][i]), f"`{run}`"] +
                        ["n/a" if v is None else f"{v:.3f}" for v in vals])
    if body:
        L += _table(["Row", "Seed", "Run", "AUC", "EAO", "Lost"], body) + [""]
    else:
        L += ["(one seed only)", ""]

    L += ["## Commands", "",
          f"Run from the repository root, in this order, with {m['env'] or 'no extra environment'}."
          " Status: *ran* this time, *reused* (outputs existed), *skipped* (outputs absent but not needed: everything "
          "after it was done), *failed*, *blocked* (a dependency failed).", ""]
    for c in doc["commands"]:
        wall = "" if c["wall_s"] is None else f", {c['wall_s']:.1f} s"
        wall += "" if c.get("cpu_s") is None else f", CPU {c['cpu_s']:.1f} s"
        wall += f", on {c['machine']}" if c.get("machine") else ""
        L += [f"* `{c['id']}` ({c['status']}{wall})", "", "  ```", f"  {c['command']}", "  ```"]
    L.append("")
    return "\n".join(L)


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _fps(doc: dict, row: dict, protocol: str) -> str:
    vals = [doc["fps"].get(f"track_{r}_{protocol}") for r in row["runs"]]
    vals = [v for v in vals if v]
    return f"{statistics.fmean(vals):.1f}" if vals else "-"
