"""`synthloom selection compare` at scale: token counts by pieces equal whole-text counts, the numpy top-k equals
`baselines.Best`, and a JSONL pool read by byte ranges in worker processes gives the same rows, duplicates, picks,
statistics and located errors as a straightforward one-process reading."""

from __future__ import annotations

import asyncio
import json
import random
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner

from synthloom import RowError
from synthloom.cli.main import cli
from synthloom.plugins.selection import baselines
from synthloom.plugins.selection.parsing import _normal
from synthloom.plugins.selection.pool import pool_item
from synthloom.plugins.selection.scan import (ScanOptions, _key, _ranges, describe, pool_chunks, random_keys,
                                              read_range, sample, scan, top)

pytestmark = pytest.mark.model

WORDS = "the model data list sort python colour poem story reverse explain Ünïcode 中文 <pad> <s> > </b>".split()
ODD = ["", " ", "  ", "a", " a", "a ", "a  b", "> </b>", "<b> </b>", "x\n y", "\u2581 a", "a \u2581b", "tab\t x",
       "nbsp\u00a0 y", "ideographic\u3000 z", "Human: hi\nAssistant:", "emoji 😀 ok", "crlf\r\n line", "<pad> <s>",
       "trailing   ", "\x1c sep", "it's 42, isn't it?", "l'été  ", "URL http://x.y/z?q=1 done"]


def odd_texts(n: int, seed: int = 0) -> list[str]:
    rng = random.Random(seed)
    alphabet = list("abc xyz  \t\n>.,!?<'\"/") + ["</", " </", "\u2581", "é", "中文", "\u3000", "\u00a0", "<pad>",
                                                  "<s>", "\n\n", "  ", "'s", "123", "😀", "\r\n", "Hello", " world"]
    return ODD + ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30))) for _ in range(n)]


def _tiny_tokenizer(tiny_dir: Path, **kwargs: Any) -> Any:
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(tiny_dir, **kwargs)


def test_token_counts_by_pieces_equal_whole_texts(tiny_dir: Path) -> None:
    tokenizer = _tiny_tokenizer(tiny_dir)
    texts = odd_texts(3000)
    counter = baselines.TokenCounter.of(tokenizer)
    assert counter.in_pieces
    counter._cache_size = 200  # evict often
    got = [n for start in range(0, len(texts), 250) for n in counter.counts(texts[start:start + 250])]
    assert got == baselines.nonzero_lengths(tokenizer, texts) and counter.in_pieces
    short = _tiny_tokenizer(tiny_dir, model_max_length=6)  # cut at model_max_length: counted whole
    assert baselines.TokenCounter.of(short).counts(texts) == baselines.nonzero_lengths(short, texts)


@pytest.mark.parametrize("name", ["embedded", "embedded-chat"])
def test_token_counts_by_pieces_on_the_embedded_tokenizers(name: str) -> None:
    from tokenizers import Tokenizer

    from synthloom.backends.embedded import embedded_model_dir, is_prepared

    folder = embedded_model_dir(name)
    if not is_prepared(folder):
        pytest.skip(f"the {name} model has not been converted on this machine")
    backend = Tokenizer.from_file(str(folder / "tokenizer.json"))
    rule = baselines.piece_rule(json.loads((folder / "tokenizer.json").read_text()))
    assert rule is not None and (">" in rule) == (name == "embedded")  # Gemma merges ">" with "\u2581</"
    texts = odd_texts(5000, seed=1)
    counter = baselines.TokenCounter(backend, None, rule)
    assert counter.counts(texts) == baselines._backend_lengths(backend, texts, 1 << 62) and counter.in_pieces


def test_unrecognised_tokenizers_are_counted_whole(tiny_dir: Path) -> None:
    tokenizer = _tiny_tokenizer(tiny_dir)
    config = json.loads(tokenizer.backend_tokenizer.to_str())
    assert baselines.piece_rule(config) is not None
    for change in ({"pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False, "use_regex": False}},
                   {"normalizer": {"type": "Lowercase"}}, {"truncation": {"max_length": 5}},
                   {"added_tokens": [{"id": 0, "content": "a b", "lstrip": False, "rstrip": False,
                                      "single_word": False, "normalized": False, "special": True}]}):
        assert baselines.piece_rule({**config, **change}) is None
    counter = baselines.TokenCounter(tokenizer.backend_tokenizer, None, None)
    texts = odd_texts(200)
    assert not counter.in_pieces and counter.counts(texts) == baselines.nonzero_lengths(tokenizer, texts)


def test_random_keys_and_top_equal_the_streamed_rules() -> None:
    indices = list(range(5000)) + list(range(10**9, 10**9 + 50))
    for seed in (0, 7):
        assert random_keys(seed, 0, 5000).tolist() == [baselines.random_key(seed, i) for i in range(5000)]
        assert random_keys(seed, 10**9, 10**9 + 50).tolist() == [baselines.random_key(seed, i) for i in indices[5000:]]
    rng = np.random.default_rng(0)
    candidates = np.sort(rng.choice(100_000, size=3000, replace=False))
    scores = rng.integers(0, 40, size=3000).astype(np.int64)  # many ties
    for count in (0, 1, 17, 2999, 3000, 3500):
        best = baselines.Best(count)
        for index, score in zip(candidates.tolist(), scores.tolist()):
            best.offer(score, index)
        assert top(scores, candidates, count) == [(i, float(s)) for i, s in best.ranked()]


def test_byte_ranges_hold_whole_lines(tmp_path: Path) -> None:
    path = tmp_path / "lines.jsonl"
    for body in (b"a\nbb\n\nccc\ndddd\n", b"a\nbb\n\nccc\ndddd", b"x" * 50 + b"\n" + b"y\n", b"\n\n\n", b""):
        path.write_bytes(body)
        for size in (1, 2, 3, 5, 8, 100):
            ranges = _ranges(path, size)
            assert b"".join(body[a:b] for a, b in ranges) == body
            assert all(a == 0 or body[a - 1:a] == b"\n" for a, _ in ranges)


def sharegpt(rng: random.Random, turns: int = 1) -> dict[str, Any]:
    conversation = [{"from": "system", "value": "be brief"}] if rng.random() < 0.1 else []
    for _ in range(turns):
        conversation += [{"from": rng.choice(["human", "user"]),
                          "value": " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 9)))},
                         {"from": rng.choice(["gpt", "assistant"]),
                          "value": " ".join(rng.choice(WORDS) for _ in range(rng.randint(0, 30)))}]
    return {"conversations": conversation}


def write_pool(path: Path, n: int, seed: int = 0) -> list[str]:
    """A JSONL pool with duplicates far apart (other ranges), whitespace and case variants of rows, blank lines,
    CRLF endings, Alpaca rows and multi-turn conversations."""
    rng = random.Random(seed)
    rows: list[Any] = []
    for i in range(n):
        if i % 97 == 5:
            rows.append({"instruction": rng.choice(WORDS), "input": rng.choice(["", "x y"]),
                         "output": rng.choice(WORDS)})
        else:
            rows.append(sharegpt(rng, turns=2 if i % 13 == 0 else 1))
    for i in range(0, n, 37):  # exact copies, and copies differing only in white space and case
        copy = json.loads(json.dumps(rows[i]))
        if i % 2 and "conversations" in copy:
            copy["conversations"][-1]["value"] = "  " + copy["conversations"][-1]["value"].upper() + " \n"
        rows.insert(rng.randrange(len(rows)), copy)
    lines = [json.dumps(row, ensure_ascii=rng.random() < 0.5) for row in rows]
    text = "".join(line + ("\r\n" if k % 11 == 0 else "\n") + ("\n" if k % 29 == 0 else "") for k, line in
                   enumerate(lines))
    path.write_text(text, encoding="utf-8")
    return lines


def straightforward(path: Path, tokenizer: Any, budget: int, seed: int) -> tuple[int, int, dict[str, list]]:
    """The one-process algorithm the scan replaced: every row through the core reader, a set of keys, heaps."""
    best = {"length": baselines.Best(budget), "random": baselines.Best(budget)}
    seen: set[str] = set()
    rows = duplicates = 0
    for chunk in pool_chunks(path, size=500):
        rows += len(chunk)
        fresh = []
        for index, item, _ in chunk:
            key = f"{_normal(item.query)}\x00{_normal(item.response)}"
            if key in seen:
                duplicates += 1
            else:
                seen.add(key)
                fresh.append((index, item))
        queries = baselines.nonzero_lengths(tokenizer, [item.query for _, item in fresh])
        responses = baselines.nonzero_lengths(tokenizer, [item.response for _, item in fresh])
        for (index, _), q, r in zip(fresh, queries, responses):
            best["length"].offer(q + r, index)
            best["random"].offer(-baselines.random_key(seed, index), index)
    picks = {"length": [(i, float(s)) for i, s in best["length"].ranked()],
             "random": [(i, -s) for i, s in best["random"].ranked()]}
    return rows, duplicates, picks


def test_ranges_in_workers_equal_a_straightforward_scan(tmp_path: Path, tiny_dir: Path) -> None:
    tokenizer = _tiny_tokenizer(tiny_dir)
    path = tmp_path / "pool.jsonl"
    lines = write_pool(path, 3000)
    assert path.stat().st_size > 20 * 16384
    rows, duplicates, expected = straightforward(path, tokenizer, 120, 5)
    assert rows == len(lines) and duplicates >= 3000 // 37
    results = []
    for workers, range_bytes in ((2, 16384), (1, 16384), (3, 1 << 30)):
        options = ScanOptions(budget=120, seed=5, workers=workers, range_bytes=range_bytes)
        results.append(asyncio.run(scan(path, ["length", "random"], options, tokenizer=tokenizer)))
    for result in results:
        assert (result.rows, result.duplicates, result.picks) == (rows, duplicates, expected)
    listed = tmp_path / "pool.json"  # the same rows as a JSON list: read in this process
    listed.write_text(json.dumps([json.loads(line) for line in lines]))
    in_process = asyncio.run(scan(listed, ["length", "random"], ScanOptions(budget=120, seed=5), tokenizer=tokenizer))
    assert (in_process.rows, in_process.duplicates, in_process.picks) == (rows, duplicates, expected)
    assert in_process.facts is not None and in_process.facts.offsets is None
    # Pass two: by offsets, from the in-process facts, and tokenizing again, the same statistics and rows.
    described = [describe(path, expected, tokenizer=tokenizer, keep_rows=True, facts=results[0].facts),
                 describe(listed, expected, tokenizer=tokenizer, keep_rows=True, facts=in_process.facts),
                 describe(path, expected, tokenizer=tokenizer, keep_rows=True)]
    for stats, picked in described:
        assert {k: v.summary() for k, v in stats.items()} == {k: v.summary() for k, v in described[2][0].items()}
        assert picked == described[2][1]
    assert [row["index"] for row in described[0][1]["length"]] == [i for i, _ in expected["length"]]


def test_a_bad_row_in_a_worker_is_located_as_the_core_reader_locates_it(tmp_path: Path, tiny_dir: Path) -> None:
    tokenizer = _tiny_tokenizer(tiny_dir)
    path = tmp_path / "pool.jsonl"
    for bad in (b'{"conversations": [{"from": "human", "value": "q"}]}', b'{"conversations": oops',
                b'"just a string"', b'{"conversations": [{"from": "human", "value": "\xff"}]}'):
        lines = write_pool(path, 1500)
        body = path.read_bytes().split(b"\n")
        line = len(body) - 40
        body.insert(line - 1, bad)  # in the last ranges; a later range holds another bad row
        body.insert(len(body) - 10, b'{"conversations": null}')
        path.write_bytes(b"\n".join(body))
        with pytest.raises(RowError) as expected:
            for _ in pool_chunks(path):
                pass
        with pytest.raises(RowError) as found:
            asyncio.run(scan(path, ["length", "random"], ScanOptions(budget=5, workers=2, range_bytes=8192),
                             tokenizer=tokenizer))
        assert str(found.value) == str(expected.value) and found.value.reason == expected.value.reason
        assert found.value.where == f"{path}:{line}" and len(lines) > 1500


def test_sample_shortcut_equals_pool_item() -> None:
    from synthloom import Row

    rng = random.Random(3)
    values: list[Any] = [sharegpt(rng, turns=rng.randint(1, 3)) for _ in range(300)]
    values += [{"instruction": "Add", "input": "2 and 2", "output": "4"}, {"conversations": [
        {"from": "human", "value": "q"}, {"from": "gpt", "value": "a", "extra": 1}]}, {"conversations": [
        {"from": "user", "value": "  padded  "}, {"from": "assistant", "value": ""}]}]
    for value in values:
        assert sample(value) == pool_item(Row("", value))
        assert _key(sample(value)).hex() == f"{baselines_key(sample(value)):016x}"


def baselines_key(item: Any) -> int:
    import hashlib

    text = f"{_normal(item.query)}\x00{_normal(item.response)}".encode()
    return int.from_bytes(hashlib.blake2b(text, digest_size=8).digest(), "big")


def test_read_range_keeps_offsets_of_rows(tmp_path: Path) -> None:
    path = tmp_path / "pool.jsonl"
    write_pool(path, 200)
    part = read_range(path, 0, path.stat().st_size, None)
    assert part.error is None and part.facts.offsets is not None
    data = path.read_bytes()
    for offset in part.facts.offsets[:50].tolist():
        assert offset == 0 or data[offset - 1:offset] == b"\n"
        assert data[offset:offset + 1] == b"{"


def test_compare_command_with_workers_equals_one_process(tmp_path: Path, tiny_dir: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from synthloom.plugins.selection import scan as scan_module

    path = tmp_path / "pool.jsonl"
    write_pool(path, 400)
    ranges = scan_module._ranges
    monkeypatch.setattr(scan_module, "_ranges", lambda pool, size: ranges(pool, 8192))  # several ranges
    tables, picks = [], []
    for workers in ("1", "2"):
        out, folder = tmp_path / f"table{workers}.json", tmp_path / f"picks{workers}"
        result = CliRunner().invoke(cli, ["selection", "compare", "--data", str(path), "--budget", "30", "--out",
                                          str(out), "--picks", str(folder), "--model", str(tiny_dir), "--workers",
                                          workers], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        tables.append(json.loads(out.read_text()))
        picks.append({name: (folder / f"{name}.jsonl").read_text() for name in ("length", "random")})
    assert tables[0] == tables[1] and picks[0] == picks[1]
    assert tables[0]["length_unit"] == "tokens" and tables[0]["selectors"]["length"]["picked"] == 30
