"""A local OpenAI-compatible HTTP server for the litellm backend's tests and benchmark, with injectable faults.

A request carries its fault in its prompt text, as `fault=KIND*COUNT` (the first COUNT attempts of that exact
prompt fail with KIND, later ones succeed) or `fault=KIND` (every attempt fails). Kinds: `429` (with a
Retry-After header), `500`, `slow` (answers after `slow_s`, past the client's timeout), `malformed` (200 with a body
that is not JSON), `drop` (closes the connection without answering), `hang` (never answers). Attempts are counted
per prompt, so tests can check exactly how often the client tried.

Answers echo the prompt (`echo[i]: PROMPT` for sample i), so a test can tell which request an answer belongs to;
a JSON schema in `response_format` gets a JSON answer, and vLLM's `structured_outputs.choice` one of the choices.
The completions endpoint honours `echo` + `logprobs` like vLLM's OpenAI server: the prompt is split into
whitespace-led words, each word is a token, and token i has log-probability -0.1 * len(token) (the first, None).

Run as a script to serve from another process (used by the benchmark): it prints the port on stdout.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import re
import threading
import time
from typing import Any

from aiohttp import web

FAULT = re.compile(r"fault=(429|500|slow|malformed|drop|hang)(?:\*(\d+))?")
TOKEN = re.compile(r"\s*\S+")


def word_tokens(text: str) -> list[tuple[str, int]]:
    """The fake tokenizer: (token, start offset) for each whitespace-led word."""
    return [(m.group(), m.start()) for m in TOKEN.finditer(text)]


def token_logprob(token: str) -> float:
    return -0.1 * len(token)


class FakeOpenAIServer:
    def __init__(self, latency_s: float = 0.0, slow_s: float = 5.0, retry_after: str = "0.2") -> None:
        self.latency_s = latency_s
        self.slow_s = slow_s
        self.retry_after = retry_after
        self.attempts: collections.Counter[str] = collections.Counter()
        self.in_flight = 0
        self.peak_in_flight = 0
        self.bodies: list[dict[str, Any]] = []
        self.port = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._thread: threading.Thread | None = None
        self._hanging: list[asyncio.Future[None]] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def app(self) -> web.Application:
        app = web.Application(middlewares=[self._count_in_flight])
        app.router.add_post("/v1/chat/completions", self._chat)
        app.router.add_post("/v1/completions", self._completions)
        return app

    async def serve(self, port: int = 0) -> None:
        self._runner = web.AppRunner(self.app(), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    def start(self) -> "FakeOpenAIServer":
        """Serve from a background thread with its own event loop."""
        ready = threading.Event()

        def run() -> None:
            self._loop = asyncio.new_event_loop()
            self._loop.run_until_complete(self.serve())
            ready.set()
            self._loop.run_forever()

        self._thread = threading.Thread(target=run, daemon=True)
        self._thread.start()
        ready.wait(10)
        return self

    def stop(self) -> None:
        if self._loop is None:
            return

        async def shutdown() -> None:
            for future in self._hanging:
                future.cancel()
            await self._runner.cleanup()  # type: ignore[union-attr]

        asyncio.run_coroutine_threadsafe(shutdown(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)  # type: ignore[union-attr]

    @web.middleware
    async def _count_in_flight(self, request: web.Request, handler: Any) -> web.StreamResponse:
        """How many requests are being answered at once (a client killed mid-batch leaves them unanswered)."""
        self.in_flight += 1
        self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
        try:
            return await handler(request)
        finally:
            self.in_flight -= 1

    @property
    def served_twice(self) -> int:
        """Completions answered more than once for the same prompt: paid twice."""
        return sum(count - 1 for count in self.attempts.values() if count > 1)

    async def _fault(self, request: web.Request, key: str) -> web.StreamResponse | None:
        """Count the attempt and, if the prompt asks for it, misbehave."""
        self.attempts[key] += 1
        match = FAULT.search(key)
        if not match or (match.group(2) and self.attempts[key] > int(match.group(2))):
            return None
        kind = match.group(1)
        if kind == "429":
            return web.json_response({"error": {"message": "slow down", "type": "rate_limit"}}, status=429,
                                     headers={"Retry-After": self.retry_after})
        if kind == "500":
            return web.json_response({"error": {"message": "boom", "type": "server_error"}}, status=500)
        if kind == "malformed":
            return web.Response(text='{"id": "x", "choices": [', content_type="application/json")
        if kind == "drop":
            request.transport.close()  # type: ignore[union-attr]
            raise ConnectionResetError("dropped on purpose")
        if kind == "slow":
            await asyncio.sleep(self.slow_s)
            return None
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._hanging.append(future)
        await future
        return None

    async def _chat(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        self.bodies.append(body)
        prompt = body["messages"][-1]["content"]
        if isinstance(prompt, list):
            prompt = " ".join(part.get("text", "") for part in prompt)
        fault = await self._fault(request, prompt)
        if fault is not None:
            return fault
        if self.latency_s:
            await asyncio.sleep(self.latency_s)
        n = body.get("n") or 1
        choices = [{"index": i, "finish_reason": "stop",
                    "message": {"role": "assistant", "content": self._answer(prompt, i, body)}} for i in range(n)]
        return web.json_response(self._envelope("chat.completion", body, choices, prompt, n))

    async def _completions(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        self.bodies.append(body)
        prompt = body["prompt"]
        if isinstance(prompt, list) and prompt and isinstance(prompt[0], int):
            tokens = [(f"<{t}>", 0) for t in prompt]
            offset = 0
            for i, (text, _) in enumerate(tokens):
                tokens[i] = (text, offset)
                offset += len(text)
            prompt = "".join(t for t, _ in tokens)
        else:
            if isinstance(prompt, list):
                prompt = prompt[0]
            tokens = word_tokens(prompt)
        fault = await self._fault(request, prompt)
        if fault is not None:
            return fault
        if self.latency_s:
            await asyncio.sleep(self.latency_s)
        n = body.get("n") or 1
        choices = []
        for i in range(n):
            answer = self._answer(prompt, i, body)
            choice: dict[str, Any] = {"index": i, "finish_reason": "stop", "text": answer}
            if body.get("echo"):
                choice["text"] = prompt + answer
            if body.get("echo") and body.get("logprobs") is not None:
                generated = (" out", len(prompt))
                everything = tokens + [generated]
                choice["logprobs"] = {
                    "tokens": [t for t, _ in everything],
                    "token_logprobs": [None] + [token_logprob(t) for t, _ in everything[1:]],
                    "text_offset": [o for _, o in everything],
                    "top_logprobs": [None] + [{t: token_logprob(t)} for t, _ in everything[1:]],
                }
            choices.append(choice)
        return web.json_response(self._envelope("text_completion", body, choices, prompt, n, len(tokens)))

    @staticmethod
    def _answer(prompt: str, index: int, body: dict[str, Any]) -> str:
        choices = (body.get("structured_outputs") or {}).get("choice")
        if choices:  # vLLM's choice constraint: sample i answers with choice i
            return choices[index % len(choices)]
        if body.get("response_format", {}).get("type") == "json_schema" or "answer json" in prompt:
            return json.dumps({"answer": prompt, "index": index})
        return f"echo[{index}]: {prompt}"

    @staticmethod
    def _envelope(obj: str, body: dict[str, Any], choices: list[dict[str, Any]], prompt: str, n: int,
                  prompt_tokens: int | None = None) -> dict[str, Any]:
        prompt_tokens = prompt_tokens if prompt_tokens is not None else len(word_tokens(prompt))
        completion_tokens = 3 * n
        return {
            "id": f"cmpl-{time.monotonic_ns()}", "object": obj, "created": int(time.time()), "model": body["model"],
            "choices": choices,
            "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                      "total_tokens": prompt_tokens + completion_tokens},
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--latency-ms", type=float, default=0.0)
    args = parser.parse_args()
    server = FakeOpenAIServer(latency_s=args.latency_ms / 1000)

    async def run() -> None:
        await server.serve(args.port)
        print(server.port, flush=True)
        await asyncio.Event().wait()

    asyncio.run(run())


if __name__ == "__main__":
    main()
