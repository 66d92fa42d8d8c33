"""`synthloom sandbox ...` commands, run through click as the top-level CLI mounts them."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from synthloom.errors import SandboxError
from synthloom.sandbox.cli import sandbox

pytestmark = pytest.mark.docker


def test_doctor_reports_every_limit_as_applied(docker_api):
    result = CliRunner().invoke(sandbox, ["doctor"])
    assert result.exit_code == 0, result.output
    for check in ("memory limit", "no network", "pids limit", "read-only root", "supervisor protected"):
        assert check in result.output
    assert "FAIL" not in result.output


def test_doctor_fails_with_a_fix_when_the_image_is_missing(docker_api):
    result = CliRunner().invoke(sandbox, ["doctor", "--image", "synthloom-sandbox-test:absent"])
    assert isinstance(result.exception, SandboxError) and "sandbox image" in result.exception.message
    assert "FAIL" in result.output and "synthloom sandbox" in result.output


def test_build_is_a_no_op_when_the_image_exists(docker_api):
    result = CliRunner().invoke(sandbox, ["build"])
    assert result.exit_code == 0 and "is present" in result.output


def test_bench_prints_its_figures(docker_api):
    result = CliRunner().invoke(sandbox, ["bench", "--jobs", "5", "--inputs", "100"])
    assert result.exit_code == 0, result.output
    assert "per-job overhead" in result.output and "fresh container ready" in result.output
