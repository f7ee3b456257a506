"""The quality study's numbers -> results.md: seed aggregation, the paper-claims check and the markdown tables.

Seeded rows show ``mean ± s``, s the sample standard deviation over the seeds (n - 1 in the denominator). The claims
check compares means only: it reports, it tunes nothing. `doc` is what benchmarks/quality.py writes to results.json.
"""
from __future__ import annotations

import math
import statistics
from typing import Dict, List, Optional, Sequence

OPE_METRICS = (("success_auc", "Success AUC", 3), ("precision", "Precision@20", 3))
RESET_METRICS = (("accuracy", "Accuracy", 3), ("robustness", "Robustness", 3), ("lost_number", "Lost Number", 1),
                 ("eao", "EAO", 3))
# (id, claim, row a, row b, kind, the paper's evidence); kind "ratio95": mean(a) >= 0.95 mean(b), "gt": a > b, "geq"
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


def aggregate(values: Sequence[Optional[float]]) -> dict:
    """{'mean', 'std' (sample; None for one value), 'min', 'max', 'n', 'values'} of the non-missing values."""
    vals = [float(v) for v in values if v is not None]
    out = {"values": [None if v is None else float(v) for v in values], "n": len(vals)}
    if not vals:
        return {**out, "mean": None, "std": None, "min": None, "max": None}
    return {**out, "mean": statistics.fmean(vals), "std": statistics.stdev(vals) if len(vals) > 1 else None,
            "min": min(vals), "max": max(vals)}


def metric(summary: Optional[dict], key: str) -> Optional[float]:
    v = (summary or {}).get(key)
    v = v.get("all") if isinstance(v, dict) else v  # EAO comes per tag
    return None if v is None or math.isnan(float(v)) else float(v)


def row_numbers(rows: Sequence[tuple], row_runs: Dict[str, list], summaries: Dict[str, dict],
                fps: Dict[str, float]) -> Dict[str, dict]:
    """{row id: {label, ..., runs, seeds, 'ope'/'reset': {metric: aggregate}, 'videos': {...}, 'fps'}};
    `rows` are quality.ROWS entries, `summaries` tools/eval.py's numbers per "<run>/<protocol>"."""
    out = {}
    for rid, label, group, _, training, tracking in rows:
        seeds, runs = zip(*row_runs[rid])
        entry = {"label": label, "group": group, "training": training, "tracking": tracking, "runs": list(runs),
                 "seeds": list(seeds)}
        for protocol, metrics in (("ope", OPE_METRICS), ("reset", RESET_METRICS)):
            entry[protocol] = {key: aggregate([metric(summaries.get(f"{r}/{protocol}"), key) for r in runs])
                               for key, _, _ in metrics}
        entry["videos"] = {}
        for protocol, key in (("ope", "success_auc"), ("reset", "lost_number")):
            per_video: Dict[str, list] = {}
            for r in runs:
                for video, vals in (summaries.get(f"{r}/{protocol}") or {}).get("videos", {}).items():
                    per_video.setdefault(video, []).append(metric(vals, key))
            entry["videos"][protocol] = {v: aggregate(vals) for v, vals in per_video.items()}
        speeds = [fps[f"{r}/ope"] for r in runs if fps.get(f"{r}/ope")]
        entry["fps"] = statistics.fmean(speeds) if speeds else None
        out[rid] = entry
    return out


def check_claims(numbers: Dict[str, dict]) -> List[dict]:
    """Each claim on the means of EAO and AUC; "within seed noise" when a difference is below the largest seed std of
    the rows involved (else of S2SiamFC's)."""
    out = []
    for cid, text, a, b, kind, paper in CLAIMS:
        claim = {"id": cid, "claim": text, "rows": [a, b], "paper": paper, "metrics": {}}
        out.append(claim)
        if a not in numbers or b not in numbers:
            claim["verdict"] = "not evaluated (row not run)"
            continue
        for protocol, key, name in CLAIM_METRICS:
            va, vb = numbers[a][protocol][key]["mean"], numbers[b][protocol][key]["mean"]
            if va is None or vb is None:
                claim["metrics"][name] = {"a": va, "b": vb, "holds": None}
                continue
            stds = [numbers[r][protocol][key]["std"] for r in (a, b) if numbers[r][protocol][key]["std"]]
            if not stds and "s2siamfc" in numbers and numbers["s2siamfc"][protocol][key]["std"]:
                stds = [numbers["s2siamfc"][protocol][key]["std"]]
            noise = max(stds) if stds else None
            if kind == "ratio95":
                ratio = va / vb if vb > 0 else float("inf")
                m = {"a": va, "b": vb, "ratio": ratio, "holds": ratio >= 0.95}
            else:
                m = {"a": va, "b": vb, "diff": va - vb, "holds": va > vb if kind == "gt" else va >= vb}
            m.update(seed_std=noise, within_noise=bool(noise is not None and abs(va - vb) < noise))
            claim["metrics"][name] = m
        holds = {n: m["holds"] for n, m in claim["metrics"].items() if m["holds"] is not None}
        if not holds:
            claim["verdict"] = "not evaluable (numbers missing)"
        elif all(holds.values()) or not any(holds.values()):
            claim["verdict"] = "supported" if all(holds.values()) else "not supported"
        else:
            claim["verdict"] = "mixed (" + ", ".join(f"{n}: {'yes' if h else 'no'}" for n, h in holds.items()) + ")"
        if any(m.get("within_noise") for m in claim["metrics"].values()):
            claim["verdict"] += "; difference within seed noise"
    return out


def fmt(agg: dict, digits: int) -> str:
    if agg.get("mean") is None:
        return "n/a"
    s = f"{agg['mean']:.{digits}f}" + (f" ± {agg['std']:.{digits}f}" if agg.get("std") is not None else "")
    return s + (f" ({agg['n']}/{len(agg['values'])} runs)" if agg["n"] < len(agg["values"]) else "")


def table(header: List[str], body: List[List[str]]) -> List[str]:
    return (["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
            + ["| " + " | ".join(r) + " |" for r in body] + [""])


def claim_detail(c: dict) -> str:
    parts = []
    for name, m in c["metrics"].items():
        if m["a"] is None or m["b"] is None:
            parts.append(f"{name}: n/a")
        elif "ratio" in m:
            parts.append(f"{name} {m['a']:.3f} / {m['b']:.3f} = {100 * m['ratio']:.0f} %")
        else:
            parts.append(f"{name} {m['a']:.3f} vs {m['b']:.3f} ({m['diff']:+.3f})")
    return "; ".join(parts) or "-"


def render_markdown(doc: dict) -> str:
    m, d, s, rows = doc["meta"], doc["data"], doc["sizes"], doc["rows"]
    seeds = {rid: ", ".join(str(x) for x in r["seeds"] if x is not None) or "-" for rid, r in rows.items()}
    lo, hi = d["eao_interval"]
    L = ["# Quality study: S2SiamFC vs supervised SiamFC vs OpenCV KCF/CSRT", ""]
    if m["smoke"]:
        L += ["> **Smoke run** (tiny sizes, pipeline check only): the numbers below mean nothing.", ""]
    if len(doc["invocations"]) > 1:
        L += [f"Assembled from {len(doc['invocations'])} runs of quality.py sharing one work folder (Hardware says "
              "which machine ran what); the last one, below, re-scored every result.", ""]
    L += [f"Generated by `{m['invocation']}` on {m['date']} in {m['wall_s']:.0f} s ({m['ran']} commands run, "
          f"{m['reused']} reused, {m['skipped']} skipped, {m['failed']} failed, {m['blocked']} blocked). Raw numbers: "
          f"`{m['work']}/results.json` (not tracked in git).", ""]
    L += [f"*Note:* {note}" for note in d["notes"]] + ([""] if d["notes"] else [])

    L += ["## One-pass protocol (OPE)", "", "Success AUC (mean of the success curve over IoU thresholds 0..1) and "
          "precision at 20 px, averaged over the eval sequences; fps: tools/test.py on the machine that ran the row.",
          ""]
    L += table(["Row", "Seeds"] + [n for _, n, _ in OPE_METRICS] + ["fps"],
               [[r["label"], seeds[rid]] + [fmt(r["ope"][k], dg) for k, _, dg in OPE_METRICS]
                + ["-" if r["fps"] is None else f"{r['fps']:.1f}"] for rid, r in rows.items()])
    L += ["## Reset protocol (VOT)", "", f"Accuracy, Robustness (failures per 100 frames, pysot's definition), Lost "
          f"Number (failures, summed over the sequences) and EAO over sequence lengths {lo}-{hi} (see Protocols). "
          "Re-initialisation 5 frames after a failure. Seeded rows: mean ± sample standard deviation over the seeds.",
          ""]
    L += table(["Row", "Seeds"] + [n for _, n, _ in RESET_METRICS],
               [[r["label"], seeds[rid]] + [fmt(r["reset"][k], dg) for k, _, dg in RESET_METRICS]
                for rid, r in rows.items()])

    videos = list(dict.fromkeys(v for r in rows.values() for v in r["videos"]["ope"]))
    if videos:
        L += ["## Per sequence", "", "One-pass success AUC per eval sequence and, after the slash, reset-protocol "
              "failures (lost number); seed means for the seeded rows. Six short sequences make every mean above "
              "sensitive to single videos: look here before reading a difference of a few hundredths.", ""]
        cell = {"ope": lambda v: f"{v:.2f}", "reset": lambda v: f"{v:.1f}".rstrip("0").rstrip(".")}
        L += table(["Row"] + videos, [[r["label"]] + [" / ".join(
            "n/a" if r["videos"][p].get(v, {}).get("mean") is None else cell[p](r["videos"][p][v]["mean"])
            for p in ("ope", "reset")) for v in videos] for r in rows.values()])

    L += ["## Paper claims check", "", "Each claim of the paper (Sio et al., S2SiamFC, ACM MM 2020) compared on our "
          "means, EAO (reset) and AUC (one-pass). *supported* = holds on both, *mixed* = one of them. \"Within seed "
          "noise\" = the difference is smaller than the seed standard deviation of the rows involved (or of S2SiamFC "
          "when they have one seed). Reported as measured; nothing was tuned to these numbers.", ""]
    L += table(["", "Claim", "Paper", "Ours", "Verdict"], [[c["id"], c["claim"], c["paper"], claim_detail(c),
                                                           f"**{c['verdict']}**"] for c in doc["claims"]])
    per_seed = [[r["label"], str(seed), f"`{run}`"] + [
        "n/a" if v is None else f"{v:.3f}" for v in (r["ope"]["success_auc"]["values"][i], r["reset"]["eao"][
            "values"][i], r["reset"]["lost_number"]["values"][i])]
        for r in rows.values() if len(r["runs"]) > 1 for i, (seed, run) in enumerate(zip(r["seeds"], r["runs"]))]
    L += ["## Per-seed values", ""] + (table(["Row", "Seed", "Run", "AUC", "EAO", "Lost"], per_seed) if per_seed
                                       else ["(one seed only)", ""])

    L += ["## Rows", ""] + table(["Row", "id", "Training", "Tracking", "Tracking runs"], [
        [r["label"], f"`{rid}`", r["training"], r["tracking"], ", ".join(f"`{x}`" for x in r["runs"])]
        for rid, r in rows.items()])
    L += ["Ablation rows (the paper's Table 3) are tracked alike, so they differ by training alone; \"SS + AC + AM\" "
          "is the full method's stage-1 model and \"all\" its S2SiamFC model of the first seed (configs: "
          "experiments/study/, the supervised one experiments/s2siamfc/siamfc_supervised.yaml). KCF runs with "
          "OpenCV's detection gate off (the published KCF; with the default gate of 0.5 it stops updating).", ""]

    info, images = d["eao_rule"], s["images"]
    overrides = " ".join(f"{key} {s[name]}" for key, name in (
        ("TRACK.FINETUNE.ITERS", "finetune_iters"), ("TRACK.FINETUNE.BATCH_SIZE", "finetune_batch"),
        ("TRACK.SCALE_NUM", "scale_num"), ("CLUSTER.IMAGE_SIZE", "cluster_image_size"),
        ("TRACK.NUM_THREADS", "threads")) if s[name] > 0)
    L += ["## Data, protocols, sizes", "",
          f"* Data: **{d['kind']}**, `{d['sequences']}`. Train split (training only): {', '.join(d['train'])}, every "
          f"{d['frame_step']}-th frame ({images['train']} images; the supervised row uses the same frames with their "
          f"boxes). Row 2b adds `{d['unlabeled']}`" + (f" ({', '.join(d['unlabeled_subdirs'])})" if
                                                        d["unlabeled_subdirs"] else "") + f": {images['more']} images.",
          "* Eval split: " + ", ".join(f"{v} ({d['eval_lengths'][v]} frames)" for v in d["eval"]) +
          f"; description `{d['eval_dataset']}`.",
          "* Hard negatives: K-means with K = round(images / 39) (the paper's 3862 snippets / 100), at least 2: " +
          ", ".join(f"{k} ({kind})" for kind, k in s["clusters_k"].items()) + "."]
    L += [f"* On {i['machine']}: {note}." for i in doc["invocations"] if i["copy"] for note in i["data_notes"]
          if "size-capped copy" in note]
    L += ["* One-pass: initialised on the first frame, never reset. Reset (VOT baseline): re-initialised 5 frames "
          f"after a failure. EAO interval **[{lo}, {hi}]**, derived as VOT does: a Gaussian kernel density estimate "
          f"of the eval lengths {info['lengths']} (Silverman bandwidth {info['bandwidth']}) and the range around its "
          f"mode ({info['mode']}) holding half of the mass ({info['mass']}); VOT2018 uses [100, 356].",
          f"* Every training run: {s['epochs']} epoch(s) x {s['pairs_per_epoch']} pairs, batch {s['batch_size']} "
          f"({s['epochs'] * (s['pairs_per_epoch'] // s['batch_size'])} steps), {s['workers']} loader worker(s) (the "
          f"paper: 50 x 3862 pairs, 24,138 steps). Seeds 0..{s['seeds'] - 1} for the seeded rows, seed 0 for the "
          f"others. Overrides of the configs: {overrides or 'none'}.", ""]

    L += ["## Hardware", ""]
    for inv in doc["invocations"]:
        h = inv["hardware"]
        ran = ", ".join(f"{n} {st}" for st, n in inv["ran"].items() if n) or "nothing new"
        L += [f"* **{inv['machine']}** ({inv['date']}, {inv['wall_s']:.0f} s; ran {ran}): device {h['device']}; "
              f"torch threads per command: {h['threads']}, {h['jobs']} command(s) at a time; Python {h['python']}, "
              f"torch {h['torch']}, OpenCV {h['opencv']}, numpy {h['numpy']}" +
              ("; data: a size-capped copy" if inv.get("copy") else "") + f".  \n  `{inv['invocation']}`"]
    L += ["", "## Commands", "", "Run from the repository root, in this order, with "
          f"{m['env'] or 'no extra environment'}. Status: *ran* this time, *reused* (outputs existed), *skipped* "
          "(outputs absent but not needed: everything after it was done), *failed*, *blocked* (a dependency "
          "failed); wall seconds where and when it last ran.", ""]
    for c in doc["commands"]:
        where = "".join(f", {x}" for x in (c.get("wall_s") and f"{c['wall_s']:.1f} s", c.get("machine")) if x)
        L.append(f"* `{c['id']}` ({c['status']}{where}): `{c['command']}`")
    return "\n".join(L) + "\n"
