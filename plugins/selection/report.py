"""The selection plugin's section of `synthloom report`: the IFD scores selectors decide on, and what each selector
kept, right after the funnel where a reader of a selection campaign looks first."""

from __future__ import annotations

from typing import Any

IFD = "selection.ifd_score"
SELECTED = "selection.selected"


def ifd_section(data: Any) -> list[Any]:
    """IFD (and reversed IFD when scored) as histograms, how many samples score IFD >= 1, and per selector how many
    samples it kept with which scores; nothing for campaigns without selection kinds."""
    if not data.count(IFD) and not data.count(SELECTED):
        return []
    blocks: list[Any] = []
    if data.count(IFD):
        _, [(scored, at_least_one, unscored, reversed_ifd)] = data.query(
            "SELECT count(ifd), count(*) FILTER (WHERE ifd >= 1), count(*) - count(ifd), count(rifd) "
            "FROM selection_ifd_score WHERE campaign = ?", [data.campaign])
        blocks.append(data.histogram(IFD, "ifd", "IFD s(A|Q) / s(A)"))
        if reversed_ifd:
            blocks.append(data.histogram(IFD, "rifd", "reversed IFD"))
        blocks.append(f"{at_least_one:,} of {scored:,} scored samples have IFD >= 1: the instruction does not make "
                      f"the answer easier to predict (Cherry LLM leaves them out). {unscored:,} could not be scored.")
    if data.count(SELECTED):
        blocks.append(data.table(
            "SELECT agent, selector, count(*) AS kept, min(score) AS min_score, avg(score) AS mean_score, "
            "max(score) AS max_score FROM selection_selected WHERE campaign = ? GROUP BY ALL ORDER BY agent",
            [data.campaign], caption="kept per selector"))
    return blocks
