#!/usr/bin/env python
"""Evaluate tracker results in pysot's layout; see toolkit/cli/eval.py (also installed as `pysot-ss-eval`)."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from toolkit.cli.eval import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
