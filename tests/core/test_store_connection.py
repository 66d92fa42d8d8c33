"""Store connections: each file is attached to the process's one in-memory DuckDB for a `with` block and detached
after it, so another process can open it in between; a thread that opens a store again inside the block shares the
attachment; two stores open at once never see each other's tables; the writer appends without pyarrow."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from synthloom.errors import StoreError
from synthloom.store.connection import opened, reading
from synthloom.store.writer import StoreWriter
from tests.core.test_writer_images import _pictures


def _count_in_another_process(store: Path) -> int:
    code = ("import duckdb, sys; con = duckdb.connect(sys.argv[1]); "
            "print(con.execute('SELECT count(*) FROM messages').fetchone()[0]); con.close()")
    result = subprocess.run([sys.executable, "-c", code, str(store)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return int(result.stdout)


def test_the_file_is_released_after_each_block_and_checkpointed(tmp_path: Path) -> None:
    store = tmp_path / "s.duckdb"
    writer = StoreWriter(store, "c", flush_interval_s=3600)
    try:
        writer.add_outputs("draw", [], _pictures(3, 100))
        writer.flush()
        # a read-write open in another process needs the file unlocked; no WAL is left behind
        assert _count_in_another_process(store) == 3
        assert not store.with_name(store.name + ".wal").exists()
        writer.add_outputs("draw", [], _pictures(2, 100, prefix="q"))
    finally:
        writer.close()
    assert _count_in_another_process(store) == 5


def test_a_store_opened_again_inside_a_block_shares_it(tmp_path: Path) -> None:
    store = tmp_path / "s.duckdb"
    StoreWriter(store, "c").close()
    with opened(store, read_only=False) as outer:
        outer.execute("INSERT INTO handled VALUES ('c', 'a', 'x')")
        with reading(store) as inner:
            assert inner.execute("SELECT count(*) FROM handled").fetchone()[0] == 1
        outer.execute("INSERT INTO handled VALUES ('c', 'a', 'y')")  # the inner block left the file attached
    with reading(store), pytest.raises(StoreError, match="open read-only in this thread"):
        with opened(store, read_only=False):
            pass
    assert _count_handled(store) == 2


def _count_handled(store: Path) -> int:
    with reading(store) as con:
        return con.execute("SELECT count(*) FROM handled").fetchone()[0]


def test_two_stores_open_at_once_see_only_their_own_tables(tmp_path: Path) -> None:
    first = tmp_path / "first.duckdb"
    StoreWriter(first, "c").close()
    with reading(first):
        # a fresh file beside an attached store: its schema check must not see the other store's tables
        StoreWriter(tmp_path / "second.duckdb", "c").close()
        with reading(tmp_path / "second.duckdb") as con:
            assert con.execute("SELECT count(*) FROM messages").fetchone()[0] == 0


def test_a_campaign_store_is_written_without_pyarrow_or_pandas(tmp_path: Path) -> None:
    """pyarrow imports pandas on its first list, 0.6 s of a campaign; the writer does not need either."""
    code = ("import sys; from pathlib import Path; from synthloom.store.writer import StoreWriter; "
            "from tests.core.test_writer_images import _pictures; w = StoreWriter(Path(sys.argv[1]), 'c'); "
            "w.add_outputs('draw', [], _pictures(2, 10)); w.add_model_calls([{'agent': 'a', 'model': 'm', "
            "'backend': 'b', 'op': 'generate', 'request_hash': 'ab' * 16, 'request': '{}', 'response': '{}', "
            "'prompt_tokens': 1, 'completion_tokens': 2, 'latency_ms': 0.5, 'cost': None, 'cached': False, "
            "'error': None}]); w.close(); print(sorted(m for m in ('pyarrow', 'pandas') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code, str(tmp_path / "s.duckdb")], capture_output=True,
                            text=True, timeout=120, cwd=Path(__file__).resolve().parents[2])
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
    with reading(tmp_path / "s.duckdb") as con:
        assert con.execute("SELECT count(*), any_value(cost) FROM model_calls").fetchone() == (1, None)
        assert con.execute("SELECT count(*) FROM messages").fetchone()[0] == 2


def test_scans_of_a_large_store_get_an_instance_of_their_own(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A resumed run's reads of a large store are done on a DuckDB instance closed afterwards (the shared one would
    keep the memory of its scans); a small store's are done on the shared one, which is faster to open."""
    from synthloom.store import connection

    store = tmp_path / "s.duckdb"
    StoreWriter(store, "c").close()

    def database_of_a_scan() -> str:
        with opened(store, read_only=True, scan=True) as con:
            assert con.execute("SELECT count(*) FROM handled").fetchone()[0] == 0
            return con.execute("SELECT current_database()").fetchone()[0]

    assert database_of_a_scan().startswith("store_")  # attached to the shared instance under an alias
    monkeypatch.setattr(connection, "OWN_INSTANCE_BYTES", store.stat().st_size - 1)
    assert database_of_a_scan() == "store"
    with reading(store):  # already attached to the shared instance: the scan shares it rather than open it twice
        assert database_of_a_scan().startswith("store_")
