"""Speed figures of the Docker sandbox, against AutoIF's unsandboxed loop and a container per call.

Run: .venv/bin/python benchmarks/sandbox.py [--pairs 1000] [--per-call-sample 20]
Prints figures only; nothing here asserts timings (CI machines vary too much).
"""

from __future__ import annotations

import argparse
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))  # the repository root: benchmarks/, tests/

from synthloom.sandbox import DockerSandbox  # noqa: E402 - after the path above, like the imports below
from synthloom.sandbox.bench import batched_throughput, fresh_container_ready, warm_job_overhead  # noqa: E402
from synthloom.sandbox.cli import print_figures  # noqa: E402

from benchmarks.sandbox_autoif import autoif_comparison, autoif_pairs  # noqa: E402
from tests.sandbox.autoif_helpers import FIXTURE  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=1000, help="AutoIF (function, response) pairs")
    parser.add_argument("--per-call-sample", type=int, default=20, help="calls timed for container-per-call")
    parser.add_argument("--jobs", type=int, default=300, help="single-input jobs for the per-job overhead")
    parser.add_argument("--inputs", type=int, default=50_000, help="inputs of the batched-throughput job")
    parser.add_argument("--pool-size", type=int, default=2)
    args = parser.parse_args()
    with DockerSandbox(pool_size=1) as one:
        figures = [warm_job_overhead(one, args.jobs), batched_throughput(one, args.inputs)]
    figures.append(fresh_container_ready(20))
    with DockerSandbox(pool_size=args.pool_size) as pool:
        figures.append(warm_job_overhead(pool, args.jobs))
        figures += autoif_comparison(pool, autoif_pairs(FIXTURE, args.pairs), args.per_call_sample)
    print_figures(figures)


if __name__ == "__main__":
    main()
