"""Console tables (colorama) and PNG plots (matplotlib, Agg only).

`toolkit.visualization.plots` imports matplotlib only when it draws, so printing a table does not load it.
"""
from toolkit.visualization.tables import (eao_table, ope_table, ope_video_table, use_color, vot_table,
                                          vot_video_table)

__all__ = ["eao_table", "ope_table", "ope_video_table", "use_color", "vot_table", "vot_video_table"]
