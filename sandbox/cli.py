"""`synthloom sandbox ...`: build the image, check the setup, measure speed."""

from __future__ import annotations

import time

import click
from rich.console import Console
from rich.table import Table

from synthloom.errors import SandboxError

console = Console()


@click.group(name="sandbox")
def sandbox() -> None:
    """The Docker sandbox that runs LLM-written verifier code."""


@sandbox.command()
@click.option("--force", is_flag=True, help="Rebuild even if the image exists.")
@click.option("--pull", is_flag=True, help="Allow pulling python:3.12-slim from a registry.")
def build(force: bool, pull: bool) -> None:
    """Build the default sandbox image if it is absent (offline: Debian rootfs via mmdebstrap)."""
    from synthloom.sandbox.daemon import connect
    from synthloom.sandbox.image import build_default_image

    started = time.monotonic()
    name = build_default_image(connect(), force=force, pull=pull, log=lambda line: console.print(f"[dim]{line}"))
    console.print(f"[green]ready[/green] {name} ({time.monotonic() - started:.1f} s)")


@sandbox.command()
@click.option("--image", default=None, help="Check this image instead of the default one.")
@click.option("--runtime", default=None, help="Docker runtime to check, e.g. runsc for gVisor.")
def doctor(image: str | None, runtime: str | None) -> None:
    """Check the daemon, the image and the limits a container really gets; say what to fix."""
    from synthloom.sandbox.doctor import diagnose

    checks = diagnose(image=image, runtime=runtime)
    table = Table("check", "", "detail", "fix")
    for check in checks:
        table.add_row(check.name, "[green]ok" if check.ok else "[red]FAIL", check.detail, "" if check.ok else check.fix)
    console.print(table)
    failed = [check.name for check in checks if not check.ok]
    if failed:
        raise SandboxError(f"{len(failed)} sandbox check(s) failed: {', '.join(failed)}", where="sandbox doctor",
                           hint="apply the fixes listed above, then run `synthloom sandbox doctor` again")


@sandbox.command()
@click.option("--jobs", default=100, show_default=True, help="Single-input jobs timed for the per-job overhead.")
@click.option("--inputs", default=20000, show_default=True, help="Inputs of the batched-throughput job.")
def bench(jobs: int, inputs: int) -> None:
    """Quick figures: warm per-job overhead, batched throughput, fresh-container start."""
    from synthloom.sandbox.bench import batched_throughput, fresh_container_ready, warm_job_overhead
    from synthloom.sandbox.sandbox import DockerSandbox

    with DockerSandbox(pool_size=2) as pool:
        figures = [warm_job_overhead(pool, jobs), batched_throughput(pool, inputs)]
    figures.append(fresh_container_ready(5))
    print_figures(figures)


def print_figures(figures: list) -> None:
    table = Table("figure", "value", "target", "note")
    for figure in figures:
        table.add_row(figure.name, f"{figure.value:,.2f} {figure.unit}", figure.target, figure.note)
    console.print(table)
