"""Real AutoIF verifier replies (LLM-written code with helpers, imports and odd formatting) run in the sandbox."""

from __future__ import annotations

import pytest

from synthloom.sandbox import STATUSES
from tests.sandbox.autoif_helpers import FIXTURE, autoif_verifiers

pytestmark = pytest.mark.docker


@pytest.fixture(scope="module")
def verifiers() -> list[dict]:
    return autoif_verifiers(FIXTURE)


def test_every_verifier_runs_to_a_classified_outcome(sandbox, verifiers):
    jobs = [(v["func"], [case["input"] for case in v["cases"]]) for v in verifiers]
    results = sandbox.evaluate_many(jobs, timeout_s=5.0)
    outcomes = [outcome for job in results for outcome in job]
    assert len(outcomes) == sum(len(inputs) for _, inputs in jobs) > 100
    assert all(outcome.status in STATUSES for outcome in outcomes)
    assert sum(outcome.status == "ok" for outcome in outcomes) / len(outcomes) > 0.9
    assert not [o.error for o in outcomes if o.error and "NameError" in o.error]


def test_module_level_helpers_work_and_cases_agree(sandbox, verifiers):
    with_helpers = [v for v in verifiers if v["func"].lstrip().startswith("def ") and
                    not v["func"].lstrip().startswith("def evaluate")]
    assert with_helpers, "the fixture has verifiers whose helpers are defined before evaluate"
    jobs = [(v["func"], [case["input"] for case in v["cases"]]) for v in with_helpers]
    for verifier, outcomes in zip(with_helpers, sandbox.evaluate_many(jobs)):
        expected = [str(case["output"]).lower() == "true" for case in verifier["cases"]]
        assert [o.status for o in outcomes] == ["ok"] * len(outcomes)
        assert sum(o.value == e for o, e in zip(outcomes, expected)) >= len(expected) - 1, verifier["func"]
