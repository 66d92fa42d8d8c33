"""GenQA's diversity experiment: "state a random colour" asked many times with the static prompt, the generator
prompt and the nested generator prompt, counting the distinct colours (the paper, 1,000 calls each with Gemini Pro
1.0: 33, 383 and 782).

    python benchmarks/genqa_diversity.py                                  # embedded model, 60 calls, lists of 20
    python benchmarks/genqa_diversity.py --calls 1000 --size 100 --model vllm:/models/x   # the paper's setting

Each call draws its own N (and N2) uniformly from the list size, and its own sampling seed; temperature 1.0. The
chosen colour is the line after the last "Chosen color:" / "Chosen variant:" heading (the static prompt: the first
line of the reply), normalised and lower-cased; a reply without it counts as unparsed, not as a colour. A base model
(prompt style `completion`, the embedded Gemma 3 270M) cannot follow the instruction cold, so it gets one worked
example first, in another domain (fruits), with a list of the same size: a deviation, written down in
docs/genqa.md. Model calls are cached in a store (`--store`), so a rerun costs nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import time
from pathlib import Path
from typing import Any

FRUITS = ["apple", "banana", "cherry", "date", "elderberry", "fig", "grape", "honeydew", "kiwi", "lemon", "mango",
          "nectarine", "orange", "papaya", "quince", "raspberry", "strawberry", "tangerine", "ugli fruit",
          "watermelon"]
HEADINGS = {"static": (), "generator": ("Chosen color:",), "nested": ("Chosen variant:", "Chosen color:")}


def example(variant: str, size: int) -> tuple[str, str]:
    """A worked example (prompt, reply) in the fruit domain, for base models."""
    from synthloom.plugins.genqa import prompts

    fruits = [FRUITS[i % len(FRUITS)] + ("" if i < len(FRUITS) else f" {i // len(FRUITS) + 1}")
              for i in range(size)]
    listed = "\n".join(f"{i}. {fruit}" for i, fruit in enumerate(fruits, 1))
    template = prompts.COLOUR_TEMPLATES[variant].replace("color", "fruit").replace("Color", "Fruit")
    prompt = prompts.fill(template, {"size": size, "size2": size, "N": 3, "N1": 3, "N2": 2})
    if variant == "static":
        return prompt, "Mango"
    reply = f"Fruits:\n{listed}\nChosen fruit:\n{fruits[2]}"
    if variant == "nested":
        variants = "\n".join(f"{i}. {fruits[2]} variety {i}" for i in range(1, size + 1))
        reply += f"\nFruit variants:\n{variants}\nChosen variant:\n{fruits[2]} variety 2"
    return prompt, reply


def requests(variant: str, calls: int, size: int, completion: bool, seed: int) -> list[Any]:
    from synthloom import ChatMessage, SamplingConfig
    from synthloom.plugins.genqa import prompts

    per_item = 12
    lists = {"static": 0, "generator": 1, "nested": 2}[variant]
    sampling = SamplingConfig(temperature=1.0, max_tokens=24 + lists * (size * per_item + 16))
    out = []
    for call in range(calls):
        rng = random.Random(f"colour:{seed}:{variant}:{call}")
        n1, n2 = rng.randint(1, size), rng.randint(1, size)
        text = prompts.fill(prompts.COLOUR_TEMPLATES[variant], {"size": size, "size2": size, "N": n1, "N1": n1,
                                                                 "N2": n2})
        chat = [ChatMessage(role="user", content=text)]
        if completion:
            shown, reply = example(variant, size)
            chat = [ChatMessage(role="user", content=shown), ChatMessage(role="assistant", content=reply), *chat]
        out.append(sampling.request(chat, seed=seed * 100_003 + call, n=1))
    return out


def colour(variant: str, text: str) -> str | None:
    from synthloom.plugins.genqa.parsing import chosen_item

    if variant == "static":
        lines = [line.strip(" *.\"'").lower() for line in text.strip().splitlines() if line.strip()]
        return lines[0] if lines else None
    return chosen_item(text, HEADINGS[variant])


async def run(client: Any, variant: str, calls: int, size: int, seed: int, batch: int) -> dict[str, Any]:
    completion = client.prompt_style == "completion"
    asked = requests(variant, calls, size, completion, seed)
    found: list[str | None] = []
    for start in range(0, len(asked), batch):
        replies = await client.generate(asked[start:start + batch])
        found += [colour(variant, r.generations[0].text) if r.generations else None for r in replies]
        print(f"{variant}: {len(found)}/{calls}", file=sys.stderr)
    parsed = [c for c in found if c]
    return {"variant": variant, "calls": calls, "parsed": len(parsed), "distinct": len(set(parsed)),
            "top": sorted(set(parsed), key=parsed.count, reverse=True)[:8]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="embedded", help="BACKEND:MODEL, as in every command")
    parser.add_argument("-o", "--option", action="append", default=[], help="backend option KEY=VALUE")
    parser.add_argument("--calls", type=int, default=60, help="calls per prompt (the paper: 1,000)")
    parser.add_argument("--size", type=int, default=20, help="list size (the paper: 100)")
    parser.add_argument("--variants", default="static,generator,nested")
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--store", type=Path, default=Path("runs/genqa_diversity.calls.duckdb"))
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()

    import synthloom

    spec = synthloom.spec_from_arg(args.model, tuple(args.option))
    started, load = time.perf_counter(), os.getloadavg()
    args.store.parent.mkdir(parents=True, exist_ok=True)
    with synthloom.ModelSession(spec, args.store, command="genqa-diversity") as client:
        results = [asyncio.run(run(client, v, args.calls, args.size, args.seed, args.batch))
                   for v in args.variants.split(",")]
    figures = {"model": args.model, "calls": args.calls, "size": args.size, "results": results,
               "ordering_holds": all(a["distinct"] < b["distinct"] for a, b in zip(results, results[1:])),
               "wall_s": round(time.perf_counter() - started), "load_before": [round(x, 2) for x in load],
               "load_after": [round(x, 2) for x in os.getloadavg()]}
    print(json.dumps(figures, indent=2))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
