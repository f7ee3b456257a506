"""What users do by accident, and what others publish: every case lives here, one file per family.

Evaluating results made elsewhere:
* VOT results longer or shorter than the sequence: scored by pysot's rule with one warning per file; one-pass
  results of the wrong length stay errors (pysot crashes) -- test_eval_lengths.py
* evaluation from the annotations alone (no frames for one-pass, the image size for VOT) -- test_eval_annotation_only.py

User mistakes (numbered as in the issue that listed them):
1. a mistyped DATASET.SYNTHETIC.ROOT is an error, nothing is generated there -- test_training_data.py
2. names from data files and flags cannot leave the results root -- test_results_paths.py
3. configs are YAML only, by any key or flag; nothing is executed -- test_config_loading.py
4. tools/test.py runs an exported .onnx snapshot -- test_tracking_onnx.py
5. workers die with a killed parent -- test_tracking_workers.py
6. a rerun over results of another config is refused unless --overwrite; incomplete result files are tracked
   again -- test_results_resume.py
7. a diverged run stops with an error and keeps its last good checkpoint -- test_training_divergence.py
8. one-line errors, no traceback: YAML syntax/tab/Python tag (test_config_loading.py), --resume with another
   architecture (test_training_resume.py), unwritable outputs and a garbage .onnx (test_tracking_tool_errors.py,
   test_tracking_onnx.py, test_eval_layout.py)
9. frames and init boxes checked once at the boundary for every tracker (test_tracking_inputs.py); out-of-range
   config values (test_config_loading.py); a bit-flipped .onnx refused by its checksum (test_tracking_onnx.py)
10. wrong result layout named (test_eval_layout.py); train.log not repeated after a resume
    (test_training_resume.py); the demo's CSV keeps the frames tracked before a bad frame
    (test_tracking_tool_errors.py); tools/make_synthetic.py without installing (test_training_data.py)
"""
