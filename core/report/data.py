"""`ReportData`: what a report section's function receives, the same for built-in and plugin sections.

It holds one short read-only connection (opened for that section alone) and the campaign being shown, and offers
the few queries a section needs (`query`, `count`, `table`, `histogram`) so that a plugin's section is a few lines of
SQL and never has to think about locks, escaping or binning.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from synthloom.errors import StoreError
from synthloom.report.blocks import Plot, Table
from synthloom.report.reader import CampaignInfo


@dataclass
class ReportData:
    """The store and campaign a section reports on.

    `campaign` is the campaign's name (filter every query with `WHERE campaign = ?`), `info` what the store records
    about it (status, configuration), `store` the file's path.
    """

    con: Any
    info: CampaignInfo
    store: Path

    @property
    def campaign(self) -> str:
        return self.info.name

    def query(self, sql: str, params: list[Any] | None = None) -> tuple[list[str], list[tuple[Any, ...]]]:
        """Run read-only SQL: (column names, rows). Tables and per-kind views as in docs/store.md."""
        import duckdb

        try:
            cursor = self.con.execute(sql, params or [])
        except duckdb.Error as error:
            hint = "`synthloom sql 'SHOW TABLES' --store ...` lists the tables and the per-kind views"
            raise StoreError(f"report query failed: {error}", where=str(self.store), hint=hint) from error
        columns = [d[0] for d in cursor.description] if cursor.description else []
        return columns, cursor.fetchall()

    def count(self, kind: str | None = None, agent: str | None = None) -> int:
        """Messages of this campaign, of one kind and/or one agent."""
        sql, params = "SELECT count(*) FROM messages WHERE campaign = ?", [self.campaign]
        if kind is not None:
            sql, params = sql + " AND kind = ?", [*params, kind]
        if agent is not None:
            sql, params = sql + " AND agent = ?", [*params, agent]
        return int(self.query(sql, params)[1][0][0])

    def table(self, sql: str, params: list[Any] | None = None, caption: str = "") -> Table:
        """A query's result as a table block (keep it aggregated: tables are written into the page whole)."""
        columns, rows = self.query(sql, params)
        return Table(columns, rows, caption)

    def histogram(self, kind: str, field: str, title: str | None = None) -> Plot:
        """The distribution of one numeric field of a kind in this campaign, binned in SQL, as a plot block."""
        from synthloom.report.charts import histogram_plot
        from synthloom.report.distributions import field_histogram

        return histogram_plot(field_histogram(self.con, self.campaign, kind, field),
                              title or f"{kind}.{field}")
