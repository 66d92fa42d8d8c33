"""Constrained decoding on the transformers backend: AutoIF's verifier writer with each embedded model, without and
with the verifier JSON schema.

    python benchmarks/structured.py                      # 50 prompts, both embedded models (about an hour on 2 cores)
    python benchmarks/structured.py --prompts 4 --max-tokens 64 --models embedded-chat   # a quick run

Prompts: AutoIF's verifier prompt (`plugins/autoif/prompts.py`, verbatim) for the AutoIF instructions in
tests/fixtures/autoif (41 distinct), topped up with IFEval-style ones to 50. Each model answers every prompt twice,
greedy, in the same batches (chunk by chunk, so that both modes see the same load on a shared machine): once
unconstrained and once with AutoIF's verifier schema (`VERIFIER_SCHEMA` of `plugins/autoif/structured.py`, what its
verifier writer asks for) as `json_schema`. `embedded` (Gemma 3 270M, a base model) gets the chat through the
backend's plain template, `embedded-chat` (SmolLM2-135M-Instruct) through its own.

Per model and mode: the share of replies that parse and validate against the schema (as the backend checks them),
the share AutoIF's own parser can use (`parse_verifier_reply`: the function compiles and defines `evaluate`), the
share cut by max_tokens, completion tokens, wall and CPU time, tokens/s, and ms per decode step (first to last
logits-processor call of each `generate`, divided by its steps). Constrained runs add the time spent in grammar
work (masks and matcher updates) as a share of their decode time, and the one-off grammar set-up (llguidance reads
the tokenizer on the first constrained request).

Tokens/s alone misleads here: a constrained reply ends when its JSON is complete, so a constrained batch makes far
fewer tokens, in fewer steps, and its prompt (prefill) weighs more. The grammar's cost is its share of decode time
and the change in ms per decode step. The machine's load average is recorded at start and end.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from synthloom.plugins.autoif.structured import VERIFIER_SCHEMA

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "autoif"

TOP_UP = [
    "Answer in exactly three words.", "Use no more than 50 words.", "Do not use the letter 'e'.",
    "Write everything in lowercase letters.", "End your response with the word 'Done'.",
    "Start your response with 'Hello'.", "Use no commas.", "Include the keyword 'banana' at least twice.",
    "Wrap your entire response in double quotation marks.", "Answer with a bulleted list of exactly 4 items.",
]


def instructions(count: int) -> list[str]:
    found: list[str] = []
    for name in ("seed_instruction.txt", "augment_instructions.txt"):
        found += [line.strip() for line in (FIXTURES / name).read_text().splitlines() if line.strip()]
    found += [json.loads(line)["instruction"] for line in (FIXTURES / "eval_func_rft.jsonl").read_text().splitlines()]
    distinct = list(dict.fromkeys(found + TOP_UP))
    if count > len(distinct):
        raise SystemExit(f"--prompts: at most {len(distinct)}")
    return distinct[:count]


class Clock:
    """Times the backend's logits processors: decode steps per `generate`, and grammar work inside them."""

    def __init__(self) -> None:
        from synthloom.backends.transformers.generation import RowSampler
        from synthloom.backends.transformers.grammar import GrammarRowSampler

        self.calls: dict[Any, list[float]] = {}  # sampler -> [first, last call (wall, CPU), calls]
        self.grammar_s = 0.0
        self.choose_s = 0.0
        clock = self
        plain_call, grammar_call, choose = RowSampler.__call__, GrammarRowSampler.__call__, RowSampler._choose

        def timed(call: Any, grammar: bool) -> Any:
            def wrapper(sampler: Any, input_ids: Any, scores: Any) -> Any:
                started, cpu = time.perf_counter(), time.process_time()
                before = clock.choose_s
                result = call(sampler, input_ids, scores)
                ended = time.perf_counter()
                if grammar:
                    clock.grammar_s += (ended - started) - (clock.choose_s - before)
                first, first_cpu, _, _, count = clock.calls.get(sampler, [started, cpu, 0, 0, 0])
                clock.calls[sampler] = [first, first_cpu, started, cpu, count + 1]
                return result
            return wrapper

        def timed_choose(sampler: Any, scores: Any) -> Any:
            started = time.perf_counter()
            try:
                return choose(sampler, scores)
            finally:
                clock.choose_s += time.perf_counter() - started

        RowSampler.__call__ = timed(plain_call, False)  # type: ignore[method-assign]
        GrammarRowSampler.__call__ = timed(grammar_call, True)  # type: ignore[method-assign]
        RowSampler._choose = timed_choose  # type: ignore[method-assign]

    def take(self) -> dict[str, float]:
        """Decode seconds (wall, CPU) and steps since the last take, and the grammar seconds among them."""
        calls = self.calls.values()
        taken = {"decode_s": sum(c[2] - c[0] for c in calls), "decode_cpu_s": sum(c[3] - c[1] for c in calls),
                 "steps": sum(c[4] - 1 for c in calls), "grammar_s": self.grammar_s}
        self.calls, self.grammar_s = {}, 0.0
        return taken


def valid(generation: Any, constrained: bool) -> tuple[bool, bool]:
    """(parses and validates against the schema, usable by AutoIF's own parser)."""
    from synthloom.backends.base import GenerateRequest
    from synthloom.backends.schema_check import check_generation
    from synthloom.plugins.autoif.parsing.replies import parse_verifier_reply

    if not constrained:
        generation = check_generation(generation, GenerateRequest(prompt="", json_schema=VERIFIER_SCHEMA))
    parsed = parse_verifier_reply(generation.text, require_fence=False)
    return generation.parsed is not None, parsed.error is None and bool(parsed.cases)


def run_model(name: str, prompts: list[str], args: argparse.Namespace, clock: Clock) -> dict[str, Any]:
    from synthloom.backends.base import ChatMessage, GenerateRequest, ModelSpec
    from synthloom.backends.transformers.backend import create

    say(f"{name}: loading")
    backend = create(ModelSpec(model=name, batch_size=args.batch_size))

    def request(text: str, constrained: bool, max_tokens: int = args.max_tokens) -> GenerateRequest:
        return GenerateRequest(messages=[ChatMessage(role="user", content=text)], max_tokens=max_tokens,
                               json_schema=VERIFIER_SCHEMA if constrained else None)

    started = time.perf_counter()
    asyncio.run(backend.generate([request("warm-up", True, max_tokens=1)]))
    setup_s = time.perf_counter() - started
    counters = ("replies", "valid", "autoif_usable", "cut", "tokens", "wall_s", "cpu_s", "decode_s", "decode_cpu_s",
                "steps", "grammar_s")
    totals = {mode: dict.fromkeys(counters, 0) for mode in ("free", "schema")}
    samples: dict[str, str] = {}
    for start in range(0, len(prompts), args.batch_size):
        chunk = prompts[start:start + args.batch_size]
        for mode in ("free", "schema"):
            constrained = mode == "schema"
            clock.take()
            wall, cpu = time.perf_counter(), time.process_time()
            responses = asyncio.run(backend.generate([request(p, constrained) for p in chunk]))
            total = totals[mode]
            total["wall_s"] += time.perf_counter() - wall
            total["cpu_s"] += time.process_time() - cpu
            for key, value in clock.take().items():
                total[key] += value
            for response in responses:
                generation = response.generations[0]
                ok, usable = valid(generation, constrained)
                total["replies"] += 1
                total["valid"] += ok
                total["autoif_usable"] += usable
                total["cut"] += generation.finish_reason == "length"
                total["tokens"] += response.completion_tokens
                samples.setdefault(mode, generation.text[:300])
            say(f"{name} {mode}: {total['replies']}/{len(prompts)} replies, {total['valid']} valid, "
                f"{total['wall_s']:.0f} s")
    backend.close()
    return {"model": name, "grammar_setup_s": setup_s, "modes": totals, "samples": samples}


def report(result: dict[str, Any]) -> list[str]:
    lines = []
    free_step = free_cpu_step = None
    for mode, t in result["modes"].items():
        step_ms = 1000 * t["decode_s"] / max(1, t["steps"])
        cpu_step_ms = 1000 * t["decode_cpu_s"] / max(1, t["steps"])
        if mode == "free":
            free_step, free_cpu_step = step_ms, cpu_step_ms
        line = (f"{result['model']:14} {mode:6} valid {t['valid']}/{t['replies']} "
                f"({100 * t['valid'] / max(1, t['replies']):.0f}%), AutoIF-usable {t['autoif_usable']}, "
                f"cut {t['cut']}, {t['tokens']} tokens in {t['wall_s']:.0f} s wall / {t['cpu_s']:.0f} s CPU: "
                f"{t['tokens'] / max(t['wall_s'], 1e-9):.1f} tok/s, {t['tokens'] / max(t['cpu_s'], 1e-9):.1f} "
                f"tok/CPU-s; decode {step_ms:.0f} ms/step wall, {cpu_step_ms:.0f} CPU")
        if mode == "schema":
            share = 100 * t["grammar_s"] / max(t["decode_s"], 1e-9)
            line += (f" ({step_ms / max(free_step or step_ms, 1e-9) - 1:+.0%} wall, "
                     f"{cpu_step_ms / max(free_cpu_step or cpu_step_ms, 1e-9) - 1:+.0%} CPU vs free); grammar work "
                     f"{t['grammar_s']:.1f} s = {share:.1f}% of decode; set-up {result['grammar_setup_s']:.1f} s")
        lines.append(line)
    return lines


def load_average() -> list[float]:
    return [float(v) for v in Path("/proc/loadavg").read_text().split()[:3]]


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prompts", type=int, default=50)
    parser.add_argument("--models", nargs="+", default=["embedded", "embedded-chat"])
    parser.add_argument("--max-tokens", type=int, default=512,
                        help="Gemma fills `func` to its 400 characters and needs about 512 (the agent's default: 1024)")
    parser.add_argument("--batch-size", type=int, default=25)
    parser.add_argument("--json", type=Path, default=None, help="write the figures here")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    prompts_text = instructions(args.prompts)
    from synthloom.plugins.autoif.prompts import verifier

    prompts = [verifier(text) for text in prompts_text]
    clock = Clock()
    load_start = load_average()
    results = [run_model(name, prompts, args, clock) for name in args.models]
    load_end = load_average()
    print(f"{len(prompts)} AutoIF verifier prompts, max_tokens {args.max_tokens}, batch {args.batch_size}, greedy; "
          f"load average {load_start} at start, {load_end} at end")
    for result in results:
        print("\n".join(report(result)))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"args": {k: str(v) for k, v in vars(args).items()}, "load_start": load_start,
                                         "load_end": load_end, "results": results}, indent=2) + "\n")


if __name__ == "__main__":
    main()
