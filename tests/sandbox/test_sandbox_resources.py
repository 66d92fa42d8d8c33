"""Verifier bodies that try to exhaust time, memory, processes, files, disk or the result channel.

Each must end in a bounded, correctly classified outcome while a benign job in the same batch succeeds.
"""

from __future__ import annotations

import pytest

from tests.sandbox.helpers import HANGS, body, run_beside_benign

pytestmark = pytest.mark.docker


@pytest.mark.parametrize("code", HANGS.values(), ids=HANGS.keys())
def test_code_that_never_returns_times_out(sandbox, code):
    outcomes = run_beside_benign(sandbox, code, ["a", "b"], timeout_s=0.5)
    assert [o.status for o in outcomes] == ["timeout", "timeout"]


@pytest.mark.parametrize("code", [body("return bytearray(4 * 1024**3)"), body("print('x' * 10**9)")],
                         ids=["one huge allocation", "1 GB print"])
def test_memory_bombs_raise_memory_error(sandbox, code):
    outcome = run_beside_benign(sandbox, code, ["a"])[0]
    assert outcome.status == "error" and "MemoryError" in outcome.error


def test_growing_allocation_ends_in_memory_error_or_oom_kill(sandbox):
    code = body("chunks = []", "while True:", "    chunks.append(b'x' * 10**7)")
    outcome = run_beside_benign(sandbox, code, ["a", "b"])
    assert all(o.status == "killed" or (o.status == "error" and "MemoryError" in o.error) for o in outcome), outcome


def test_memory_bomb_through_children_hits_the_container_limit(sandbox):
    code = body("pids = []", "for _ in range(4):", "    pid = os.fork()", "    if pid == 0:",
                "        data = b'x' * (300 * 1024**2)", "        time.sleep(5)", "        os._exit(0)",
                "    pids.append(pid)", "return [os.waitpid(p, 0)[1] for p in pids]")
    outcome = run_beside_benign(sandbox, code, ["a"], timeout_s=10)[0]
    # Four 300 MB children cannot fit in 512 MB: the kernel's OOM killer must have killed some of them (status 9).
    assert outcome.status == "ok" and 9 in outcome.value, outcome


def test_shared_memory_is_not_available(sandbox):
    code = body("open('/dev/shm/bomb', 'wb').write(b'x' * 10**8)")
    outcome = run_beside_benign(sandbox, code, ["a"])[0]
    assert outcome.status == "error" and ("FileNotFoundError" in outcome.error or "Permission" in outcome.error)


def test_thread_bomb_is_capped_by_the_pids_limit(sandbox):
    code = body("n = 0", "while True:", "    try:",
                "        threading.Thread(target=time.sleep, args=(60,), daemon=True).start()",
                "    except RuntimeError:", "        return n", "    n += 1")
    outcome = run_beside_benign(sandbox, code, ["a"])[0]
    assert outcome.status == "ok" and 0 < outcome.value < 64


def test_process_pool_bomb_fails_cleanly(sandbox):
    code = body("from concurrent.futures import ProcessPoolExecutor",
                "with ProcessPoolExecutor(max_workers=200) as pool:",
                "    return sum(pool.map(abs, range(10**6)))")
    outcome = run_beside_benign(sandbox, code, ["a"], timeout_s=2)[0]
    assert outcome.status in {"error", "timeout"}, outcome


def test_file_descriptor_exhaustion_stops_at_the_nofile_limit(sandbox):
    code = body("fds = []", "while True:", "    try:", "        fds.append(os.open('/dev/null', os.O_RDONLY))",
                "    except OSError:", "        return len(fds)")
    outcome = run_beside_benign(sandbox, code, ["a"])[0]
    assert outcome.status == "ok" and 200 < outcome.value < 256


def test_disk_fill_is_capped_and_wiped_after_the_job(single):
    code = body("written = 0", "with open('/tmp/fill', 'wb') as handle:", "    while True:", "        try:",
                "            handle.write(b'x' * 2**20)", "            handle.flush()", "            written += 2**20",
                "        except OSError:", "            return written")
    outcome = single.evaluate(code, ["a"])[0]
    assert outcome.status == "ok" and outcome.value <= 16 * 2**20
    assert single.evaluate(body("return os.listdir('/tmp')"), ["a"])[0].value == []


def test_output_flood_is_cut_off(sandbox):
    code = body("while True:", "    sys.stdout.write('x' * 65536)")
    outcome = run_beside_benign(sandbox, code, ["a", "b"])
    assert [o.status for o in outcome] == ["output_limit", "output_limit"]


HOSTILE_RETURNS = {
    "custom __bool__/__eq__": (body("class Liar:", "    def __bool__(self): return True",
                                    "    def __eq__(self, other): return True", "return Liar()"), "error"),
    "NaN": (body("return float('nan')"), "error"),
    "deep nesting": (body("v = []", "for _ in range(100000):", "    v = [v]", "return v"), "error"),
    "huge value": (body("return 'x' * 10**6"), "output_limit"),
    "generator": (body("return (i for i in range(3))"), "error"),
}


@pytest.mark.parametrize("code,status", HOSTILE_RETURNS.values(), ids=HOSTILE_RETURNS.keys())
def test_hostile_return_values_never_reach_the_caller(sandbox, code, status):
    outcome = run_beside_benign(sandbox, code, ["a"])[0]
    assert outcome.status == status and outcome.value is None


def test_str_subclass_with_hostile_eq_arrives_as_plain_str(sandbox):
    code = body("class Evil(str):", "    def __eq__(self, other): return True", "    __hash__ = str.__hash__",
                "return Evil('plain')")
    outcome = run_beside_benign(sandbox, code, ["a"])[0]
    assert outcome.status == "ok" and type(outcome.value) is str and outcome.value == "plain"
    assert outcome.value != "anything else"


def test_deep_recursion_is_an_error(sandbox):
    code = body("def down(n):", "    return down(n + 1)", "return down(0)")
    outcome = run_beside_benign(sandbox, code, ["a"])[0]
    assert outcome.status == "error" and "RecursionError" in outcome.error


def test_c_stack_overflow_kills_only_that_input(sandbox):
    code = body("if x == 'ok':", "    return 'fine'", "sys.setrecursionlimit(10**9)", "v = []",
                "for _ in range(10**6):", "    v = [v]", "return repr(v)")
    crashed, fine = run_beside_benign(sandbox, code, ["crash", "ok"])
    assert crashed.status == "killed" and "SIGSEGV" in crashed.error
    assert (fine.status, fine.value) == ("ok", "fine")
