"""Stores and data the report must survive: empty, foreign, of another schema version, still running, several
campaigns, kinds without numbers, markup in the data, plugin sections that fail; and the two commands' errors."""

from __future__ import annotations

import re
import shutil
import socket
from pathlib import Path

import duckdb
import pytest

from synthloom.errors import ConfigError, StoreError
from synthloom.report.build import Report, Source
from synthloom.report.page import document
from synthloom.store.schema import SCHEMA_VERSION, init_schema
from tests.core.helpers import run_cli
from tests.report import plugin_for_tests
from tests.report.conftest import XSS_DROPPED, XSS_KEPT

PLUGINS = [("reporttest", plugin_for_tests)]


def _html(store: Path, campaign: str | None = None) -> str:
    return document(Report([Source(store, campaign)], plugins=PLUGINS).page())


@pytest.fixture(scope="module")
def small_html(small_store: Path) -> str:
    return _html(small_store)


def _copy(store: Path, tmp_path: Path, *statements: str) -> Path:
    copy = tmp_path / "copy.duckdb"
    shutil.copy(store, copy)
    with duckdb.connect(str(copy)) as con:
        for statement in statements:
            con.execute(statement)
    return copy


def test_empty_store_reports_that_it_holds_no_campaign(tmp_path: Path) -> None:
    store = tmp_path / "empty.duckdb"
    with duckdb.connect(str(store)) as con:
        init_schema(con, store)
    html = _html(store)
    assert "holds no campaign yet" in html and 'class="plot"' not in html


def test_campaign_with_no_messages_yet(small_store: Path, tmp_path: Path) -> None:
    store = _copy(small_store, tmp_path, "DELETE FROM messages", "DELETE FROM handled", "DELETE FROM model_calls",
                  "UPDATE campaigns SET status = 'running'")
    html = _html(store)
    assert "Partial report" in html and "No agent has stored anything yet." in html
    assert "This campaign made no model call." in html and "No message has been stored yet." in html


@pytest.mark.parametrize("setup, message", [
    (lambda con: con.execute("CREATE TABLE t (x INT)"), "is not a synthloom store"),
    (lambda con: None, "is not a synthloom store (tables: none)"),
])
def test_a_duckdb_file_that_is_not_a_store(tmp_path: Path, setup, message: str) -> None:
    store = tmp_path / "other.duckdb"
    with duckdb.connect(str(store)) as con:
        setup(con)
    with pytest.raises(StoreError, match=re.escape(message)):
        Report([Source(store)])


def test_store_of_another_schema_version(small_store: Path, tmp_path: Path) -> None:
    store = _copy(small_store, tmp_path, "UPDATE meta SET value = '0' WHERE key = 'schema_version'")
    with pytest.raises(StoreError, match=f"has schema version '0'; this synthloom reads '{SCHEMA_VERSION}'") as error:
        Report([Source(store)])
    assert "synthloom version that wrote it" in str(error.value)
    result = run_cli("report", "--store", str(store), "--out", str(tmp_path / "r.html"))
    assert result.returncode == 2 and "schema version '0'" in result.stderr
    assert not (tmp_path / "r.html").exists()


def test_missing_store(tmp_path: Path) -> None:
    result = run_cli("report", "--store", str(tmp_path / "nope.duckdb"), "--out", str(tmp_path / "r.html"))
    assert result.returncode == 2 and "does not exist" in result.stderr


def test_running_campaign_is_marked_partial(small_store: Path, small_html: str, tmp_path: Path) -> None:
    html = _html(_copy(small_store, tmp_path, "UPDATE campaigns SET status = 'running'"))
    assert "Partial report" in html and "is still running" in html
    assert "Partial report" not in small_html


def test_store_with_several_campaigns_needs_campaign(small_store: Path, tmp_path: Path) -> None:
    store = _copy(small_store, tmp_path, "INSERT INTO campaigns SELECT 'second', config, config_hash, 'finished', "
                                         "created_at, updated_at FROM campaigns")
    with pytest.raises(ConfigError, match="holds 2 campaigns") as error:
        Report([Source(store)]).page()
    assert "report-small" in str(error.value) and "second" in str(error.value)
    assert "report-small" in _html(store, "report-small")
    with pytest.raises(ConfigError, match="no campaign 'third'"):
        Report([Source(store, "third")]).page()


def test_markup_in_the_data_is_escaped(small_html: str) -> None:
    html = small_html
    body = html.split('<main id="report"', 1)[1].split("</main>", 1)[0]
    assert "<script>window.__xss" not in html and "<img src=x" not in html
    assert "&lt;script&gt;window.__xss = 1&lt;/script&gt;" in body
    assert "window.__xss = 2" in body and "&lt;img src=x onerror=" in body
    assert XSS_KEPT not in body and XSS_DROPPED not in body
    assert "Made by the test plugin &lt;b&gt;not bold&lt;/b&gt;." in body
    for script in re.findall(r'<script type="application/json"[^>]*>(.*?)</script>', html, re.S):
        assert "<" not in script


def test_kinds_without_numeric_fields_are_named(small_html: str) -> None:
    assert "Kinds with no numeric field (their text lengths are shown): basic.prompt, basic.generated." in small_html


def test_a_failing_plugin_section_is_shown_in_its_place(small_html: str) -> None:
    html = small_html
    assert "section &#x27;Broken (test plugin)&#x27; of plugin &#x27;reporttest&#x27; failed: RuntimeError: this " \
           "section always fails" in html
    assert 'id="s-distributions"' in html and "Pictures (test plugin)" in html


def test_the_report_command_writes_one_file(small_store: Path, tmp_path: Path) -> None:
    out = tmp_path / "deep" / "report.html"
    result = run_cli("report", "--store", str(small_store), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"wrote {out} (") and out.stat().st_size > 1_000_000
    assert [p.name for p in out.parent.iterdir()] == ["report.html"]


def test_view_says_when_its_port_is_taken(small_store: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_cli("view", "--store", str(small_store), "--port", str(port), timeout=60)
    assert result.returncode == 2
    assert f"port {port} on 127.0.0.1 is already taken" in result.stderr and "--port 0" in result.stderr


def test_help_lists_the_commands() -> None:
    result = run_cli("--help")
    assert "report" in result.stdout and "view" in result.stdout
