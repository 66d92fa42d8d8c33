"""Scaling on Ray: N items through generate -> judge -> filter, with a backend that answers one request at a time in
50 ms (a model replica that cannot batch, or a rate-limited endpoint), run by the local executor and on a local
Ray cluster with 1, 2 and 4 actors per agent.

Throughput is measured in the store, from the first message the source emitted to the last one the filter kept, so
it leaves out what does not grow with the campaign (starting the cluster, starting actors and loading plugins in
them, writing exports). The wall time with all of that is printed too, and the CPU time of this process (the
driver, on Ray: scheduling, routing, sources; the whole campaign, locally). Usage:

    python benchmarks/ray_scale.py [--items 400] [--actors 1 2 4]     # SYNTHLOOM_BENCH_LATENCY_MS=50

Target (issue 17): 4 actors at least 3x one actor. Ends with a line `ratio_4_to_1=<number>`.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
LATENCY_S = float(os.environ.get("SYNTHLOOM_BENCH_LATENCY_MS", "50")) / 1000

CAMPAIGN = """
name: ray-scale
models:
  default: {backend: replay, function: ray_scale:answer}
agents:
  - {name: load, use: basic.load_jsonl, with: {path: prompts.jsonl}}
  - {name: generate, use: basic.generate, batch_size: 8, concurrency: 2}
  - {name: judge, use: basic.judge, batch_size: 8, concurrency: 2}
  - {name: keep, use: basic.filter, with: {min_score: 5}}
executor: {actors: ACTORS}
"""


def answer(request: object) -> str:
    """The backend: one request at a time (the replay backend calls this per request, blocking), LATENCY_S each."""
    from synthloom.backends.replay import prompt_text

    time.sleep(LATENCY_S)
    return "Score: 9" if prompt_text(request).startswith("Rate the response") else "an answer"


def write_workload(directory: Path, items: int, actors: int) -> Path:
    with (directory / "prompts.jsonl").open("w") as out:
        for i in range(items):
            out.write(json.dumps({"instruction": f"Write item number {i} about topic {i % 17}."}) + "\n")
    campaign = directory / "campaign.yaml"
    campaign.write_text(CAMPAIGN.replace("ACTORS", str(actors)))
    return campaign


def run(items: int, executor: str, actors: int) -> dict[str, float]:
    import synthloom
    from synthloom.store import query

    with tempfile.TemporaryDirectory() as tmp:
        campaign = write_workload(Path(tmp), items, actors)
        store = Path(tmp) / ("store.duckdb" if executor == "local" else "store.shards")
        started, cpu = time.perf_counter(), time.process_time()
        summary = synthloom.run_campaign(campaign, store=store, executor=executor)
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
        assert summary.outcome == "finished", summary
        [(first, last, kept)] = query(store, "SELECT min(created_at) FILTER (agent = 'load'), "
                                             "max(created_at) FILTER (agent = 'keep'), "
                                             "count(*) FILTER (agent = 'keep') FROM messages")[1]
    assert kept == items, kept
    busy = (last - first).total_seconds()
    return {"items_per_s": items / busy, "busy_s": busy, "wall_s": wall, "driver_cpu_s": cpu}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=400)
    parser.add_argument("--actors", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--num-cpus", type=int, default=2, help="CPUs of the local Ray cluster")
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).parent))
    paths = [str(Path(__file__).parent), str(REPO), os.environ.get("PYTHONPATH", "")]
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in paths if p)  # the actors import `ray_scale:answer`

    from synthloom.executors.ray_cluster import start_local
    from synthloom.registry.contributions import build_registry

    build_registry()  # plugin imports once, outside the timing
    print(f"load average before: {os.getloadavg()[0]:.1f}; backend latency {LATENCY_S * 1000:.0f} ms per request")
    figures = {"local": run(args.items, "local", 1)}
    start_local(args.num_cpus)  # one cluster for every Ray run: they join it
    for actors in args.actors:
        figures[f"ray x{actors}"] = run(args.items, "ray", actors)
    local = figures["local"]["items_per_s"]
    print(f"{'executor':<10} {'items/s':>8} {'busy s':>7} {'wall s':>7} {'vs local':>9} {'driver CPU s':>13}")
    for name, figure in figures.items():
        print(f"{name:<10} {figure['items_per_s']:>8.1f} {figure['busy_s']:>7.2f} {figure['wall_s']:>7.1f} "
              f"{figure['items_per_s'] / local:>8.2f}x {figure['driver_cpu_s']:>13.1f}")
    print(f"load average after: {os.getloadavg()[0]:.1f}")
    if "ray x1" in figures and "ray x4" in figures:
        print(f"ratio_4_to_1={figures['ray x4']['items_per_s'] / figures['ray x1']['items_per_s']:.2f}")


if __name__ == "__main__":
    main()
