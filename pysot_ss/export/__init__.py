"""Export to ONNX (onnx.py, needs torch) and the torch-free ONNX Runtime tracker (runtime.py)."""
