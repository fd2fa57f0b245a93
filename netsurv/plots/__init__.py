"""Figures: functions that take ``ax=`` (or make their own figure), draw, and return the Axes."""

from netsurv.plots.spider import spider
from netsurv.plots.swimmer import swimmer
from netsurv.plots.waterfall import waterfall

__all__ = ["spider", "swimmer", "waterfall"]
