"""The quality study behind ``python benchmarks/quality.py`` (entry point: :func:`benchmarks.quality.cli.main`).

Modules, one concept each:
* ``data``    -- which sequences/images (shared real data or the synthetic fallback), the evaluation dataset
  description written for tools/test.py + tools/eval.py, and the EAO interval derived from the sequence lengths;
* ``plan``    -- the table's rows and the commands (training runs, clustering, tracking, evaluation) they need;
* ``runner``  -- runs those commands as child processes (plain subprocesses, or forks of a pre-imported server),
  in dependency order, reusing finished outputs;
* ``report``  -- seed aggregation, the paper-claims check, docs/results.md and results.json.
"""
