"""One input's failure stays that input's: hostile results, output and leftovers never cost its neighbours theirs.

Each test is one gap found by running hostile verifier code against the sandbox (issue 19).
"""

from __future__ import annotations

import pytest

from tests.sandbox.helpers import body, run_beside_benign

pytestmark = pytest.mark.docker

PID1_START = body("return open('/proc/1/stat').read().rsplit(')', 1)[1].split()[19]")


def statuses(outcomes) -> list[str]:
    return [outcome.status for outcome in outcomes]


def test_output_crossing_the_cap_as_an_input_returns_fails_only_that_input(sandbox):
    # The chatty input writes just past the 1 MiB cap and returns at once: its result and the crossing chunk of
    # output arrive together, and must both be charged to it, whether it is the last input or not.
    code = body("if x == 'chatty':", "    sys.stdout.write('x' * (2**20 + 1))", "    sys.stdout.flush()",
                "return x")
    jobs = [(code, ["a", "chatty", "b"]), (code, ["a", "chatty"])] * 10
    for outcomes in sandbox.evaluate_many(jobs):
        assert statuses(outcomes)[1] == "output_limit", outcomes
        assert [o.value for o in outcomes if o.status == "ok"] == [x for x in ["a", "b"][: len(outcomes) - 1]]


def test_a_huge_integer_result_fails_only_its_input(sandbox):
    code = body("sys.set_int_max_str_digits(0)", "return 10**5000 if x == 'big' else x")
    big, fine = run_beside_benign(sandbox, code, ["big", "fine"])
    assert big.status == "error" and "decode" in big.error, big
    assert (fine.status, fine.value) == ("ok", "fine")


def test_a_forged_result_with_a_non_finite_duration_fails_only_its_input(sandbox):
    # A job can reach its own reporting state (nonce, result pipe) through its caller's frame.
    code = body("reporter = sys._getframe(1).f_locals['self']",
                "line = '[\"%s\", %d, \"ok\", NaN, null, \"true\"]\\n' % (reporter.nonce, 0)",
                "if x == 'forge':", "    os.write(reporter.result_fd, line.encode())", "    time.sleep(1)",
                "return x")
    forged, fine = run_beside_benign(sandbox, code, ["forge", "fine"])
    assert forged.status == "error" and forged.value is None, forged
    assert (fine.status, fine.value) == ("ok", "fine")


def test_a_job_whose_results_exceed_the_job_budget_fails_only_the_excess(sandbox):
    code = body("return x * 60_000")
    outcomes = sandbox.evaluate(code, ["y"] * 3000, timeout_s=10)
    ok = [o for o in outcomes if o.status == "ok"]
    over = [o for o in outcomes if o.status != "ok"]
    assert {o.status for o in over} == {"output_limit"} and "split" in over[0].error
    assert 200 <= len(ok) < 3000 and all(o.value == "y" * 60_000 for o in ok)
    assert statuses(outcomes) == ["ok"] * len(ok) + ["output_limit"] * len(over)


def test_a_deep_directory_chain_is_wiped_without_recycling_the_container(single):
    before = single.evaluate(PID1_START, ["a"])[0].value
    chain = body("for _ in range(3000):", "    os.mkdir('d')", "    os.chdir('d')", "return os.getcwd().count('/d')")
    assert single.evaluate(chain, ["a"])[0].value == 3000
    after = single.evaluate(body("return [os.listdir('/tmp'), open('/proc/1/stat').read().rsplit(')', 1)[1]"
                                 ".split()[19]]"), ["a"])[0].value
    assert after == [[], before]


def test_unreadable_and_read_only_directories_are_wiped_without_recycling_the_container(single):
    before = single.evaluate(PID1_START, ["a"])[0].value
    lock = body("os.makedirs('/tmp/a/b/c')", "open('/tmp/a/b/c/f', 'w').close()", "os.symlink('/proc', '/tmp/a/p')",
                "os.chmod('/tmp/a/b/c', 0o500)", "os.chmod('/tmp/a/b', 0)", "return True")
    assert single.evaluate(lock, ["a"])[0].value is True
    after = single.evaluate(body("return [os.listdir('/tmp'), open('/proc/1/stat').read().rsplit(')', 1)[1]"
                                 ".split()[19]]"), ["a"])[0].value
    assert after == [[], before]


def test_the_job_process_has_an_empty_environment_block(sandbox):
    code = body("return [open('/proc/self/environ', 'rb').read().decode(), sorted(os.environ)]")
    outcome = run_beside_benign(sandbox, code, ["a"])[0]
    assert outcome.value == ["", []], outcome
