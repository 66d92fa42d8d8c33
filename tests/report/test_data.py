"""The data a report is drawn from equals what SQL says about the store: funnel counts, histogram totals, call and
sandbox statistics, samples and their lineage."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest

from synthloom.report.binning import _edges, histogram
from synthloom.report.calls import bucket_width, call_stats, latency_histogram, timeline
from synthloom.report.distributions import (
    TOKEN_COLUMNS,
    field_histogram,
    kind_fields,
    length_histograms,
    numeric_histograms,
    token_histogram,
)
from synthloom.report.funnel import funnel
from synthloom.report.reader import StoreReader
from synthloom.report.samples import sample, targets
from synthloom.report.sandbox_runs import duration_histogram, sandbox_stats
from synthloom.store import query
from tests.report.conftest import PROMPTS, XSS_KEPT

CAMPAIGN = "report-small"


@pytest.fixture()
def con(small_store: Path):
    with StoreReader(small_store).connection() as connection:
        yield connection


def _scalar(store: Path, sql: str, params: list | None = None) -> int:
    return query(store, sql, params or [])[1][0][0]


def test_funnel_counts_equal_sql_counts(con, small_store: Path) -> None:
    info = StoreReader(small_store).campaign(None)
    found = funnel(con, CAMPAIGN, info.agent_order)
    assert [a.agent for a in found.agents] == ["load", "generate", "judge", "keep", "picture"]
    for counts in found.agents:
        for column, kinds in (("kept", "kind NOT IN ('dropped', 'failure')"), ("dropped", "kind = 'dropped'"),
                              ("failed", "kind = 'failure'")):
            expected = _scalar(small_store, f"SELECT count(*) FROM messages WHERE agent = ? AND {kinds}",
                               [counts.agent])
            assert getattr(counts, column) == expected, (counts.agent, column)
        assert counts.handled == _scalar(small_store, "SELECT count(*) FROM handled WHERE agent = ?", [counts.agent])
    reasons = {(r.stage, r.reason): r.count for r in found.dropped}
    _, rows = query(small_store, "SELECT stage, reason, count(*) FROM dropped GROUP BY ALL")
    assert reasons == {(stage, reason): n for stage, reason, n in rows}
    assert reasons == {("keep", "low_score"): PROMPTS // 2 + 1, ("load", "missing_field"): 1}
    assert found.failed == []


def test_every_histogram_total_equals_its_row_count(con, small_store: Path) -> None:
    kinds = kind_fields(con, CAMPAIGN)
    assert {k.kind for k in kinds} == {"basic.prompt", "basic.generated", "basic.judged", "reporttest.picture"}
    checked = 0
    for fields in kinds:
        view = fields.view
        for hist in numeric_histograms(con, CAMPAIGN, fields):
            name = hist.label.split(".")[-1]
            assert hist.total == _scalar(small_store, f'SELECT count("{name}") FROM "{view}"')
            assert hist.total + hist.missing == fields.messages
            checked += 1
        for hist, name in zip(length_histograms(con, CAMPAIGN, fields), fields.text):
            assert hist.total == _scalar(small_store, f'SELECT count("{name}") FROM "{view}"')
            assert len(hist.edges) == len(next(iter(hist.counts.values()))) + 1
            checked += 1
    for column in TOKEN_COLUMNS:
        assert token_histogram(con, CAMPAIGN, column).total == _scalar(
            small_store, "SELECT count(*) FROM model_calls WHERE error IS NULL")
    assert checked >= 9


def test_histograms_split_by_agent_share_bins(con, small_store: Path) -> None:
    scores = field_histogram(con, CAMPAIGN, "basic.judged", "score")
    assert set(scores.counts) == {"judge", "keep"}
    assert sum(scores.counts["keep"]) == _scalar(small_store, "SELECT count(*) FROM basic_judged WHERE agent = 'keep'")
    assert scores.edges == [2.5 + i for i in range(8)]        # integral scores 3..9: one bin per value
    assert scores.counts["keep"][-1] == sum(scores.counts["keep"])   # only 9s were kept


def test_message_kinds_without_numeric_fields(con) -> None:
    by_kind = {k.kind: k for k in kind_fields(con, CAMPAIGN)}
    assert by_kind["basic.prompt"].numeric == [] and by_kind["basic.prompt"].text == ["instruction"]
    assert numeric_histograms(con, CAMPAIGN, by_kind["basic.prompt"]) == []
    assert by_kind["reporttest.picture"].numeric == ["brightness"]


def test_bins_cover_every_value() -> None:
    assert _edges(1, 10, True, 30) == [0.5 + i for i in range(11)]
    assert _edges(5, 5, False, 30) == [4.5, 5.5]
    wide = _edges(0, 1000, True, 30)
    assert len(wide) == 31 and wide[0] == 0 and wide[-1] == 1000
    con = duckdb.connect()
    con.execute("CREATE TABLE t AS SELECT CASE WHEN i % 10 = 0 THEN NULL ELSE i * 0.37 END AS x, "
                "CASE WHEN i % 7 = 0 THEN 'inf'::DOUBLE ELSE i END AS y FROM range(1000) r(i)")
    hist = histogram(con, "t", "x", [], "x")
    assert hist.total == 900 and hist.missing == 100
    assert histogram(con, "t", "y", [], "y").missing == 143


def test_model_call_statistics(con, small_store: Path) -> None:
    stats = {s.agent: s for s in call_stats(con, CAMPAIGN)}
    assert set(stats) == {"generate", "judge"}
    for agent, s in stats.items():
        calls, tokens = query(small_store, "SELECT count(*), sum(prompt_tokens) FROM model_calls WHERE agent = ?",
                              [agent])[1][0]
        assert (s.calls, s.prompt_tokens, s.cached, s.errors) == (calls, tokens, 0, 0)
        assert s.p50_ms is not None and s.p50_ms <= s.p90_ms <= s.p99_ms
    times = timeline(con, CAMPAIGN)
    assert times is not None and sum(p.calls for p in times.by_agent) == sum(s.calls for s in stats.values())
    assert latency_histogram(con, CAMPAIGN).total == sum(s.calls for s in stats.values())
    assert bucket_width(30) == 1 and bucket_width(3000) == 60 and bucket_width(10 ** 9) == 604800


def test_sandbox_statistics(small_store: Path, tmp_path: Path) -> None:
    store = tmp_path / "with-sandbox.duckdb"
    shutil.copy(small_store, store)
    outcomes = [[{"status": "ok"}, {"status": "error"}], [{"status": "timeout"}],
                [{"status": "ok"}, {"status": "killed"}, {"status": "ok"}]]
    with duckdb.connect(str(store)) as con:
        for number, outcome in enumerate(outcomes):
            con.execute("INSERT INTO sandbox_runs VALUES (?, 'verify', ?, 'evaluate', '[]', ?, ?, now())",
                        [CAMPAIGN, f"code{number}", json.dumps(outcome), 10.0 * (number + 1)])
    with StoreReader(store).connection() as con:
        [stats] = sandbox_stats(con, CAMPAIGN)
        assert (stats.runs, stats.inputs) == (3, 6)
        assert stats.outcomes == {"ok": 3, "error": 1, "timeout": 1, "killed": 1}
        assert stats.p50_ms == 20.0
        assert duration_histogram(con, CAMPAIGN).total == 3


def test_samples_and_their_lineage(con, small_store: Path) -> None:
    info = StoreReader(small_store).campaign(None)
    wanted = targets(con, info)
    assert [(t.kind, t.agent) for t in wanted] == [("basic.judged", "keep"), ("reporttest.picture", None),
                                                   ("dropped", None)]
    kept = sample(con, info, wanted[0], limit=5)
    assert kept.total == _scalar(small_store, "SELECT count(*) FROM messages WHERE agent = 'keep' AND kind = "
                                              "'basic.judged'")
    assert len(kept.rows) == 5
    assert sample(con, info, wanted[0], limit=5).rows == kept.rows       # the same sample every time
    everything = sample(con, info, wanted[0], limit=100)
    script = next(row for row in everything.rows if row.payload["instruction"] == XSS_KEPT)
    chain = everything.lineage[script.id]
    assert [(s.depth, s.kind, s.agent) for s in chain] == [
        (0, "basic.judged", "keep"), (1, "basic.judged", "judge"), (2, "basic.generated", "generate"),
        (3, "basic.prompt", "load")]
    judge_call, = chain[1].calls
    generate_call, = chain[2].calls
    assert "Rate the response" in judge_call.prompt and "Score: 9" in judge_call.reply
    assert generate_call.prompt == f"[user] {XSS_KEPT}" and generate_call.reply.startswith("Answer to:")
    assert chain[0].calls == [] and chain[3].calls == []


def test_images_come_with_their_samples(con, small_store: Path) -> None:
    info = StoreReader(small_store).campaign(None)
    pictures = sample(con, info, targets(con, info)[1], limit=3)
    shas = {row.payload["image"]["sha256"] for row in pictures.rows}
    assert shas <= set(pictures.images) and len(shas) >= 1
    assert all(url.startswith("data:image/png;base64,") for url in pictures.images.values())
