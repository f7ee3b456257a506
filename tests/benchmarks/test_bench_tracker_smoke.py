"""benchmarks/bench_tracker.py --smoke end to end (a few frames): every tracker it can build here is timed and
scored on the same frames, and the last line is the JSON summary; plus its ONNX FLOP counter, checked against
torch's counter on the same network."""
import json
import subprocess
import sys
from pathlib import Path

import torch
from torch.utils.flop_counter import FlopCounterMode

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from benchmarks.bench_tracker import onnx_gflops  # noqa: E402


def test_smoke_run_prints_the_summary(tmp_path):
    r = subprocess.run([sys.executable, str(REPO / "benchmarks" / "bench_tracker.py"), "--smoke", "--threads", "1",
                        "--cache-dir", str(tmp_path / "cache"), "--only", "alexnet_s2,fast,fast_onnx"],
                       capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert r.returncode == 0, r.stderr[-3000:]
    summary = json.loads(r.stdout.strip().splitlines()[-1])
    for name in ("alexnet_s2", "fast", "fast_onnx"):
        assert summary[f"fps_{name}"] > 0 and 0 <= summary[f"auc_{name}"] <= 1
    assert summary["gflops_fast"] < summary["gflops_alexnet_s2"] / 8
    assert summary["gflops_fast_onnx"] == summary["gflops_fast"]  # the same network
    assert summary["frames_timed"]["fast"] == summary["frames_timed"]["alexnet_s2"] > 0


def test_onnx_flop_count_equals_torchs(tmp_path):
    from pysot_ss.models.backbone.alexnet_lite import AlexNetLite

    net = AlexNetLite().eval()
    x = torch.zeros(3, 3, 255, 255)
    with torch.no_grad(), FlopCounterMode(display=False) as fc:
        net(x)
    path = tmp_path / "net.onnx"
    torch.onnx.export(net, (torch.zeros(1, 3, 127, 127),), str(path), input_names=["crops"],
                      dynamic_axes={"crops": {0: "n", 2: "h", 3: "w"}}, opset_version=17, dynamo=False)
    assert onnx_gflops(path, {"crops": [3, 3, 255, 255]}) == fc.get_total_flops() / 1e9
