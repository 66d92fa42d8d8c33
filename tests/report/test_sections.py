"""The `register_report_sections` hook: where plugin sections go, the selection plugin's IFD section, the example
in docs/plugins.md, and plugins that register sections wrongly."""

from __future__ import annotations

import json
import types
from pathlib import Path

import duckdb

import synthloom
from synthloom.messages import Message
from synthloom.plugins.selection.kinds import IFDScore, Selected
from synthloom.report.blocks import Note, Plot, Table
from synthloom.report.build import Report, Source
from synthloom.report.sections import render_section, report_sections
from synthloom.store.schema import init_schema, view_name, view_sql
from tests.registry.test_docs import _blocks, _plugin_modules
from tests.report.conftest import run_campaign

IFDS = [0.42, 0.77, 0.91, 1.08, None]


def _selection_store(tmp_path: Path) -> Path:
    """A store as a selection campaign leaves it: IFD scores (one unscorable) and two kept samples."""
    store = tmp_path / "selection.duckdb"
    sample = {"sample_id": "s", "origin": "s", "instruction": "Say hi.", "output": "Hi."}
    messages: list[Message] = [IFDScore(**sample, ifd=ifd, agent="ifd") for ifd in IFDS]
    messages += [Selected(**sample, selector="top_k", score=score, rank=rank, agent="pick")
                 for rank, score in enumerate([0.42, 0.77])]
    with duckdb.connect(str(store)) as con:
        init_schema(con, store)
        con.execute("INSERT INTO campaigns VALUES ('sel', ?, 'h', 'finished', now(), now())",
                    [json.dumps({"campaign": {"name": "sel", "agents": [{"name": "ifd"}, {"name": "pick"}]}})])
        for kind in (IFDScore, Selected):
            con.execute(view_sql(kind.kind_name(), kind.model_json_schema(), Message.BASE_FIELDS))
            con.execute("INSERT INTO kinds VALUES (?, ?, ?)", [kind.kind_name(), view_name(kind.kind_name()),
                                                              json.dumps(kind.model_json_schema())])
        for number, message in enumerate(messages):
            con.execute("INSERT INTO messages VALUES (?, 'sel', ?, ?, [], now(), ?)",
                        [f"m{number}", message.kind, message.agent, json.dumps(message.payload())])
    return store


def test_plugin_sections_follow_the_funnel() -> None:
    titles = [(s.plugin, s.title) for s in report_sections()]
    assert titles[:2] == [("synthloom", "Overview"), ("synthloom", "Funnel")]
    assert titles[-4:] == [("synthloom", "Distributions"), ("synthloom", "Model calls"), ("synthloom", "Sandbox"),
                           ("synthloom", "Samples")]
    assert ("selection", "Selection: IFD") in titles[2:-4]


def test_selection_shows_its_ifd_scores(tmp_path: Path) -> None:
    report = Report([Source(_selection_store(tmp_path))])
    section = next(s for s in report.sections if s.plugin == "selection")
    histogram, text, kept = render_section(section, report.readers[0], report.readers[0].campaign(None))
    assert isinstance(histogram, Plot) and "IFD s(A|Q) / s(A)" in histogram.figure["layout"]["title"]["text"]
    assert sum(sum(trace["y"]) for trace in histogram.figure["data"]) == 4
    assert text.startswith("1 of 4 scored samples have IFD >= 1") and "1 could not be scored" in text
    assert isinstance(kept, Table) and kept.rows == [("pick", "top_k", 2, 0.42, (0.42 + 0.77) / 2, 0.77)]


def test_selection_section_stays_out_of_other_campaigns(small_store: Path) -> None:
    report = Report([Source(small_store)])
    section = next(s for s in report.sections if s.plugin == "selection")
    assert render_section(section, report.readers[0], report.readers[0].campaign(None)) == []


def test_the_documented_example_renders(tmp_path: Path) -> None:
    modules = _plugin_modules()
    campaign = tmp_path / "campaign.yaml"
    campaign.write_text(_blocks("yaml")[-1])
    (tmp_path / "prompts.jsonl").write_text('{"instruction": "Say hi."}\n{"instruction": "Say bye."}\n')
    store = tmp_path / "demo.duckdb"
    run_campaign(campaign, store, modules)
    report = Report([Source(store)], plugins=[(m.__name__, m) for m in modules])
    section = next(s for s in report.sections if s.title == "Shouting")
    text, table = render_section(section, report.readers[0], report.readers[0].campaign(None))
    assert text == "Replies average 20 characters." and table.rows == [("shout", 2)]


def test_a_plugin_that_registers_wrongly_is_named(small_store: Path) -> None:
    module = types.ModuleType("wrong_sections")

    @synthloom.hookimpl
    def register_report_sections(register) -> None:
        register("", lambda data: [])

    module.register_report_sections = register_report_sections
    report = Report([Source(small_store)], plugins=[("wrong", module)])
    failed = next(s for s in report.sections if s.plugin == "wrong")
    [note] = render_section(failed, report.readers[0], report.readers[0].campaign(None))
    assert isinstance(note, Note) and note.error
    assert "plugin 'wrong': register_report_sections needs register(title, render)" in note.message
