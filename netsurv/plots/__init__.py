"""Figures: functions that take ``ax=`` (or make their own figure), draw, and return the Axes."""

from netsurv.plots.cif import cif_plot, cif_times
from netsurv.plots.forest import forest_plot
from netsurv.plots.km import at_risk_axes, km_plot, km_times
from netsurv.plots.layout import ReproducibleLayout, reproducible_layout
from netsurv.plots.lesions import lesion_heatmap, lesion_spider, organ_waterfall
from netsurv.plots.marker import log_hr_plot
from netsurv.plots.spider import spider
from netsurv.plots.sweep import sweep_heatmap, sweep_lines
from netsurv.plots.swimmer import swimmer
from netsurv.plots.waterfall import waterfall

__all__ = [
    "ReproducibleLayout",
    "at_risk_axes",
    "cif_plot",
    "cif_times",
    "forest_plot",
    "km_plot",
    "km_times",
    "lesion_heatmap",
    "lesion_spider",
    "log_hr_plot",
    "organ_waterfall",
    "reproducible_layout",
    "spider",
    "sweep_heatmap",
    "sweep_lines",
    "swimmer",
    "waterfall",
]
