"""Command lines of the toolkit (installed as console scripts, wrapped by tools/*.py)."""
