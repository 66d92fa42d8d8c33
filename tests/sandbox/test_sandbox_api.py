"""The public API: outcomes, namespaces, timeouts, inputs, and concurrent use."""

from __future__ import annotations

import threading

import pytest

from synthloom.errors import ConfigError
from synthloom.sandbox import DockerSandbox, Outcome

pytestmark = pytest.mark.docker

HELPERS = """
import re

LIMIT = 3

def count_words(text):
    return len(re.findall(r"\\w+", text))

def evaluate(response):
    return count_words(response) <= LIMIT
"""


def test_helpers_defined_next_to_evaluate_share_one_namespace(sandbox):
    outcomes = sandbox.evaluate(HELPERS, ["one two", "one two three four"])
    assert [(o.status, o.value) for o in outcomes] == [("ok", True), ("ok", False)]
    assert all(o.duration_ms >= 0 for o in outcomes)


def test_evaluate_many_keeps_job_and_input_order(sandbox):
    jobs = [(f"def evaluate(x):\n    return [{n}, x]\n", [n, n + 1]) for n in range(12)]
    results = sandbox.evaluate_many(jobs)
    assert [[o.value for o in job] for job in results] == [[[n, n], [n, n + 1]] for n in range(12)]


def test_errors_are_reported_per_input_with_the_verifier_line(sandbox):
    code = "def evaluate(x):\n    return 10 // x\n"
    ok, error = sandbox.evaluate(code, [5, 0])
    assert (ok.status, ok.value) == ("ok", 2)
    assert error.status == "error" and error.error.startswith("ZeroDivisionError") and "line 2" in error.error


def test_syntax_errors_and_missing_entrypoints_fail_every_input(sandbox):
    broken = sandbox.evaluate("def evaluate(x) return x", [1, 2])
    assert [o.status for o in broken] == ["error", "error"] and "SyntaxError" in broken[0].error
    missing = sandbox.evaluate("def check(x):\n    return x\n", [1], entrypoint="evaluate")
    assert missing[0].status == "error" and "no function named 'evaluate'" in missing[0].error
    custom = sandbox.evaluate("def check(x):\n    return x\n", [1], entrypoint="check")
    assert custom[0].value == 1


def test_module_is_not_main_so_self_tests_do_not_run(sandbox):
    code = "def evaluate(x):\n    return __name__\nif __name__ == '__main__':\n    raise SystemExit('ran')\n"
    assert sandbox.evaluate(code, [1])[0].value == "__verifier__"


def test_one_hanging_input_does_not_cost_the_others_their_results(sandbox):
    code = "def evaluate(x):\n    while x == 'hang':\n        pass\n    return x\n"
    outcomes = sandbox.evaluate(code, ["a", "hang", "b", "c"], timeout_s=0.5)
    assert [o.status for o in outcomes] == ["ok", "timeout", "ok", "ok"]
    assert [o.value for o in outcomes] == ["a", None, "b", "c"]
    assert 450 <= outcomes[1].duration_ms < 2000


def test_job_time_cap_stops_a_job_whose_inputs_all_hang(sandbox):
    code = "import time\ndef evaluate(x):\n    time.sleep(60)\n"
    outcomes = sandbox.evaluate(code, list(range(10)), timeout_s=0.5, job_timeout_s=1.2)
    assert all(o.status == "timeout" for o in outcomes)
    assert any("job exceeded" in o.error for o in outcomes)


def test_module_level_code_gets_the_same_deadline(sandbox):
    outcomes = sandbox.evaluate("while True:\n    pass\ndef evaluate(x):\n    return x\n", [1, 2], timeout_s=0.5)
    assert [o.status for o in outcomes] == ["timeout", "timeout"]
    assert "module-level" in outcomes[0].error


def test_awkward_inputs_arrive_intact(sandbox):
    inputs = ["x" * 10_000_000, "nul\x00byte", "lone \udcff surrogate \ud800", "", {"k": [1, None, 2.5]}]
    code = "def evaluate(x):\n    return [len(x), x if len(x) < 100 else None]\n"
    outcomes = sandbox.evaluate(code, inputs)
    assert [o.value for o in outcomes] == [[len(x), x if len(x) < 100 else None] for x in inputs]


@pytest.mark.parametrize("bad", [[b"bytes"], [object()], [float("nan")]])
def test_inputs_must_be_json_serialisable(sandbox, bad):
    with pytest.raises(ConfigError, match="JSON-serialisable"):
        sandbox.evaluate("def evaluate(x):\n    return x\n", bad)


@pytest.mark.parametrize("timeout_s", [0, -1, float("inf")])
def test_timeouts_must_be_positive_and_finite(sandbox, timeout_s):
    with pytest.raises(ConfigError, match="timeout_s"):
        sandbox.evaluate("def evaluate(x):\n    return x\n", [1], timeout_s=timeout_s)


def test_empty_inputs_give_empty_results(sandbox):
    assert sandbox.evaluate("def evaluate(x):\n    return x\n", []) == []


def test_several_threads_share_one_sandbox(sandbox):
    results: dict[int, list[list[Outcome]]] = {}

    def worker(n: int) -> None:
        results[n] = sandbox.evaluate_many([(f"def evaluate(x):\n    return x * {n}\n", [1, 2])] * 5)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert {n: [[o.value for o in job] for job in jobs] for n, jobs in results.items()} == {
        n: [[n, 2 * n]] * 5 for n in range(4)
    }


def test_verifier_libraries_are_importable(sandbox):
    code = "import nltk, langdetect\ndef evaluate(x):\n    return langdetect.detect(x)\n"
    outcome = sandbox.evaluate(code, ["Dies ist ein ganz normaler deutscher Satz über das Wetter."])[0]
    assert (outcome.status, outcome.value) == ("ok", "de")


def test_a_closed_sandbox_restarts_on_demand(docker_api):
    box = DockerSandbox(pool_size=1)
    try:
        assert box.evaluate("def evaluate(x):\n    return x\n", [7])[0].value == 7
        box.close()
        assert box.evaluate("def evaluate(x):\n    return x\n", [8])[0].value == 8
    finally:
        box.close()
