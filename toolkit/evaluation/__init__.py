"""Benchmarks over result files in pysot's layout (docs/toolkit.md §3-5): A/R, EAO and one-pass (OPE)."""
from toolkit.evaluation.ar_benchmark import AccuracyRobustnessBenchmark
from toolkit.evaluation.eao_benchmark import VOT_TAGS, EAOBenchmark
from toolkit.evaluation.ope_benchmark import OPEBenchmark
from toolkit.evaluation.parallel import run_per_tracker

__all__ = ["AccuracyRobustnessBenchmark", "EAOBenchmark", "OPEBenchmark", "VOT_TAGS", "run_per_tracker"]
