"""Figures: functions that take ``ax=`` (or make their own figure), draw, and return the Axes."""

from netsurv.plots.spider import spider
from netsurv.plots.sweep import sweep_heatmap, sweep_lines
from netsurv.plots.swimmer import swimmer
from netsurv.plots.waterfall import waterfall

__all__ = ["spider", "sweep_heatmap", "sweep_lines", "swimmer", "waterfall"]
