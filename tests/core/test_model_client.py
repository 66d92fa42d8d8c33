"""ModelClient over the real store writer: cache hits, call logging, and an interrupted batch of API calls."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from synthloom.backends.base import GenerateRequest, GenerateResponse, Generation
from synthloom.budget import Budget
from synthloom.model_client import ModelClient
from synthloom.store import query
from synthloom.store.writer import StoreWriter


class SlowAPI:
    """Answers prompts containing 'slow' only after a long wait, the others at once; billed per request."""

    id = "fake-api"
    can_score = False
    independent_requests = True

    def __init__(self) -> None:
        self.calls: list[str] = []

    async def generate(self, requests: list[GenerateRequest]) -> list[GenerateResponse]:
        for request in requests:
            self.calls.append(request.prompt or "")
            if "slow" in (request.prompt or ""):
                await asyncio.sleep(30)
        return [GenerateResponse(generations=[Generation(text="done")], prompt_tokens=3, completion_tokens=1,
                                 cost=0.01) for _ in requests]

    async def score(self, requests):  # pragma: no cover - not used
        raise NotImplementedError

    def close(self) -> None:
        pass


def test_interrupted_batch_keeps_finished_calls_and_resume_does_not_pay_twice(tmp_path: Path) -> None:
    store = tmp_path / "s.duckdb"
    prompts = [f"fast {i}" for i in range(5)] + ["slow one"]
    requests = [GenerateRequest(prompt=p) for p in prompts]
    backend = SlowAPI()
    writer = StoreWriter(store, "c")
    client = ModelClient("default", backend, "agent", writer, Budget())

    async def interrupted() -> None:
        task = asyncio.create_task(client.generate(requests))
        await asyncio.sleep(0.2)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(interrupted())
    writer.close()
    _, rows = query(store, "SELECT count(*), sum(cost) FROM model_calls WHERE NOT cached")
    assert rows[0][0] == 5 and rows[0][1] == pytest.approx(0.05)

    resumed = SlowAPI()
    writer = StoreWriter(store, "c")
    client = ModelClient("default", resumed, "agent", writer, Budget())
    fast_only = asyncio.run(client.generate(requests[:5]))
    writer.close()
    assert resumed.calls == [] and all(r.cached for r in fast_only)
    _, rows = query(store, "SELECT cached, count(*) FROM model_calls GROUP BY 1 ORDER BY 1")
    assert rows == [(False, 5), (True, 5)]


def test_the_cache_key_and_the_stored_request_are_those_stores_already_hold(tmp_path: Path) -> None:
    """A store written before keeps hitting the cache: the key is the sha256 of [backend id, the request's fields
    with `regex` and `choice` left out while unset], and the stored request is that JSON text of the fields."""
    import hashlib
    import json

    from synthloom.backends.base import ChatMessage, ScoreRequest

    def legacy(value: object) -> str:
        text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(text.encode()).hexdigest()[:32]

    chat = GenerateRequest(messages=[ChatMessage(role="user", content="Écris « 1 »")], seed=7, n=2, stop=["\n"])
    fields = chat.model_dump(mode="json")
    del fields["regex"], fields["choice"]
    assert chat.keyed("b") == (legacy(["b", fields]), json.dumps(fields, sort_keys=True, separators=(",", ":"),
                                                                  ensure_ascii=False))
    constrained = GenerateRequest(prompt="x", choice=["a"])
    fields = constrained.model_dump(mode="json")
    del fields["regex"]
    assert constrained.cache_key("b") == legacy(["b", fields])
    score = ScoreRequest(prefix="p", continuation="c")
    assert score.cache_key("b") == legacy(["b", "score", score.model_dump(mode="json")])

    store = tmp_path / "s.duckdb"
    writer = StoreWriter(store, "c")
    asyncio.run(ModelClient("default", SlowAPI(), "agent", writer, Budget()).generate([GenerateRequest(prompt="a")]))
    writer.close()
    _, [(key, request)] = query(store, "SELECT request_hash, request::VARCHAR FROM model_calls")
    stored = GenerateRequest(prompt="a").model_dump(mode="json")
    del stored["regex"], stored["choice"]
    assert (key, json.loads(request)) == (GenerateRequest(prompt="a").cache_key("fake-api"), stored)
