"""See a campaign: `synthloom report` writes one self-contained HTML file, `synthloom view` serves the same pages live.

Everything shown is aggregated or sampled in DuckDB (`funnel`, `distributions`, `calls`, `sandbox`, `samples`), so a
campaign of any size makes a page of about the same size. `sections` lists what a page shows (the built-in sections
and those plugins add through the `register_report_sections` hook), `blocks` the things a section returns, `page`
assembles the HTML, `server` is the live view and `cli` the two commands. Importing this package imports neither
DuckDB nor Plotly.
"""

from synthloom.report.blocks import Plot, Table
from synthloom.report.data import ReportData

__all__ = ["Plot", "ReportData", "Table"]
