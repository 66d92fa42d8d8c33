"""The litellm backend under ModelClient: each call logged exactly once, cache hits on a rerun, in the real store."""

from __future__ import annotations

import asyncio

from synthloom.backends.base import ChatMessage, GenerateRequest, ModelSpec
from synthloom.backends.litellm.backend import create
from synthloom.budget import Budget
from synthloom.model_client import ModelClient
from synthloom.store.writer import StoreWriter


def test_faulty_server_calls_are_logged_exactly_once_and_cached_on_rerun(server, tmp_path):
    model = create(ModelSpec(backend="litellm", model="hosted_vllm/fake", api_base=server.url, backoff_s=0.01,
                             timeout_s=1.0, max_retries=2))
    prompts = [f"item {i}" for i in range(30)] + ["fault=429*1 x", "fault=drop*1 y", "fault=500 z"]
    requests = [GenerateRequest(messages=[ChatMessage(role="user", content=p)]) for p in prompts]

    writer = StoreWriter(tmp_path / "store.duckdb", "c1")
    client = ModelClient("m", model, "agent", writer, Budget())
    first = asyncio.run(client.generate(requests))
    # within one run, a request whose retries are spent is not sent again (an agent's batch retried item by item)
    again = asyncio.run(client.generate(requests[-1:]))
    assert again[0].cached and again[0].error == first[-1].error and server.attempts["fault=500 z"] == 3
    second = asyncio.run(ModelClient("m", model, "agent", writer, Budget()).generate(requests))  # a new run
    writer.close()

    assert [r.error is None for r in first] == [True] * 32 + [False]
    assert [r.cached for r in second] == [True] * 32 + [False]  # failures are not cached: retried on rerun
    assert server.attempts["fault=500 z"] == 6 and server.attempts["item 0"] == 1
    with writer.connection() as con:
        rows = con.execute("SELECT request_hash, count(*) FILTER (NOT cached), count(*) FILTER (cached), "
                           "count(*) FILTER (error IS NOT NULL) FROM model_calls GROUP BY request_hash").fetchall()
    by_hash = {key: (fresh, cached, errors) for key, fresh, cached, errors in rows}
    keys = [r.cache_key(model.id) for r in requests]
    assert set(by_hash) == set(keys)
    assert [by_hash[k] for k in keys] == [(1, 1, 0)] * 32 + [(2, 1, 3)]
