"""What users do by accident and what others publish: one test file per family of cases (see the module
docstrings), so the next person sees the whole list in one folder."""
