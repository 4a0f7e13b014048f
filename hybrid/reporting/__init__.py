"""Benchmark reports: figures (:mod:`hybrid.reporting.plots`) and ``report.md`` / self-contained
``report.html`` (:mod:`hybrid.reporting.report`)."""

from hybrid.reporting.report import make_figures, write_report

__all__ = ["make_figures", "write_report"]
