"""Figures: functions that take ``ax=`` (or make their own figure), draw, and return the Axes."""

from netsurv.plots.swimmer import swimmer

__all__ = ["swimmer"]
