"""From store files to a page: open and check each store, pick its campaign, run every section against it.

`Report` keeps the stores and the sections, so that the live view builds the page again and again without loading
plugins or checking schemas each time.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from synthloom.report.page import Page, StoreView, document
from synthloom.report.reader import StoreReader
from synthloom.report.sections import Section, render_section, report_sections


@dataclass(frozen=True)
class Source:
    """A store to show, and which of its campaigns (None: its only one)."""

    store: Path
    campaign: str | None = None


class Report:
    """The sections of a report and the stores it shows (one, or two side by side)."""

    def __init__(self, sources: list[Source], plugins: list[tuple[str, object]] | None = None) -> None:
        self.sources = sources
        self.readers = [StoreReader(source.store) for source in sources]
        self.sections: list[Section] = report_sections(plugins)

    def page(self) -> Page:
        views = []
        for source, reader in zip(self.sources, self.readers):
            info = reader.campaign(source.campaign)
            blocks = {s.anchor: render_section(s, reader, info) for s in self.sections} if info else {}
            views.append(StoreView(source.store, info, blocks))
        return Page(views, self.sections)

    def write(self, out: Path) -> Path:
        """Write the self-contained page atomically (a half-written report never replaces a good one)."""
        html = document(self.page())
        out.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as file:
                file.write(html)
            os.replace(temporary, out)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return out
