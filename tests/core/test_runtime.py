"""The runtime on in-process campaigns: wiring, batching, failures, rounds, targets, barriers, images, seeds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from synthloom.errors import ConfigError
from synthloom.store import connect, query
from tests.core.helpers import write_campaign, write_prompts

COUNT_SQUARE_SUM = """
name: numbers
agents:
  - name: count
    use: testing.count
    with: {rounds: 3, per_round: 5}
  - name: square
    use: testing.square
    with: {fail_multiples_of: 7}
  - name: total
    use: testing.sum
    inputs: [square]
"""


def test_rounds_failures_and_barrier(tmp_path: Path, run_campaign) -> None:
    summary, store = run_campaign(write_campaign(tmp_path, COUNT_SQUARE_SUM))
    assert summary.status == "finished"
    # 3 rounds x 5 numbers: 0..14; 0 and 7 and 14 are refused by the square agent, one failure each.
    _, failures = query(store, "SELECT error_type, error FROM failure ORDER BY error")
    assert [f[1] for f in failures] == ["ValueError: refusing 0", "ValueError: refusing 14",
                                        "ValueError: refusing 7"]
    _, squares = query(store, "SELECT value FROM testing_number WHERE agent = 'square' ORDER BY value")
    assert [s[0] for s in squares] == sorted(v * v for v in range(15) if v % 7)
    # The barrier saw every square (and only squares: `inputs: [square]`), once.
    _, totals = query(store, "SELECT total, count FROM testing_total")
    assert totals == [(sum(v * v for v in range(15) if v % 7), 12)]
    assert summary.agents["square"].failed == 3


def test_a_barrier_failing_on_an_empty_batch_leaves_a_failure(tmp_path: Path, run_campaign) -> None:
    path = write_campaign(tmp_path, """
        name: empty-barrier
        agents:
          - name: count
            use: testing.count
            with: {per_round: 3}
          - name: square
            use: testing.square
            with: {fail_multiples_of: 1}
          - name: mean
            use: testing.mean
            inputs: [square]
    """)
    summary, store = run_campaign(path)
    _, failures = query(store, "SELECT agent, error_type, len(parents), input_kind FROM failure WHERE agent = 'mean'")
    assert failures == [("mean", "ZeroDivisionError", 0, "")]
    assert summary.agents["mean"].failed == 1


def test_target_stops_a_source_early(tmp_path: Path, run_campaign) -> None:
    path = write_campaign(tmp_path, """
        name: target
        agents:
          - name: count
            use: testing.count
            with: {rounds: 100, per_round: 4, target: 10}
    """)
    summary, store = run_campaign(path)
    _, rows = query(store, "SELECT count(*) FROM testing_number")
    assert rows == [(10,)]
    assert summary.agents["count"].handled == 3


def test_ids_are_deterministic_across_runs(tmp_path: Path, run_campaign) -> None:
    path = write_campaign(tmp_path, COUNT_SQUARE_SUM)
    _, first = run_campaign(path, tmp_path / "a.duckdb")
    _, second = run_campaign(path, tmp_path / "b.duckdb")
    sql = "SELECT id, kind, parents, payload::VARCHAR FROM messages ORDER BY id"
    assert query(first, sql)[1] == query(second, sql)[1]


@pytest.mark.parametrize("parents", [[], ["b", "a"], ['q"uote', "back\\slash", "\u00e9\u2028\x01", "\ud800"]])
def test_ids_hash_the_documented_list(parents: list[str]) -> None:
    """A store written by an earlier synthloom resumes only if its ids are derived as they were: the hash of the
    JSON list (campaign, agent, configuration hash, kind, sorted parents, ordinal, salt)."""
    from synthloom.messages import derive_id, stable_hash

    fields = ("camp\u00e4ign", 'ag"ent', "c0nf", "kind.x")
    for ordinal, salt in ((0, ""), (12, "round-3\n")):
        assert derive_id(*fields, parents, ordinal, salt) == stable_hash([*fields, sorted(parents), ordinal, salt])


@pytest.mark.parametrize("keys", [(), ("id1",), ('q"uote', "\u00e9\u2028\x01", "\ud800"), ("id1", 3), (None,)])
def test_sampling_seeds_hash_the_documented_list(keys: tuple) -> None:
    """Seeds, like ids, must not change between versions (a resumed campaign would sample other replies): the hash
    of the JSON list (campaign seed, agent, "sampling", keys)."""
    from synthloom.context import Context
    from synthloom.messages import stable_hash

    for seed, agent in ((0, "gen"), (2**40, 'a"g\u00e9nt')):
        ctx = Context(campaign="c", agent=agent, seed=seed, models={}, sandbox=None, default_model=None)
        assert ctx.seed_for(*keys) == int(stable_hash([seed, agent, "sampling", list(keys)], length=8), 16)


def test_rerun_on_a_finished_store_adds_nothing(tmp_path: Path, run_campaign) -> None:
    path = write_campaign(tmp_path, COUNT_SQUARE_SUM)
    _, store = run_campaign(path)
    before = query(store, "SELECT count(*) FROM messages")[1]
    summary, _ = run_campaign(path, store)
    assert query(store, "SELECT count(*) FROM messages")[1] == before
    assert all(a.handled == 0 for a in summary.agents.values())


def test_images_are_stored_once_by_hash(tmp_path: Path, run_campaign) -> None:
    path = write_campaign(tmp_path, """
        name: pictures
        agents:
          - name: count
            use: testing.count
            with: {per_round: 6}
          - name: draw
            use: testing.draw
    """)
    _, store = run_campaign(path)
    _, blobs = query(store, "SELECT count(*), sum(octet_length(data)) FROM blobs")
    assert blobs[0][0] == 1
    _, rows = query(store, "SELECT image FROM testing_picture")
    assert len(rows) == 6
    refs = {json.loads(r[0])["sha256"] for r in rows}
    assert len(refs) == 1 and "data" not in json.loads(rows[0][0])


def test_transient_errors_are_retried_and_malformed_output_fails_one_item(tmp_path: Path, run_campaign) -> None:
    write_prompts(tmp_path, 6)
    path = write_campaign(tmp_path, """
        name: faults
        models:
          default:
            backend: replay
            rules:
              - {match: "number 1 ", fail: transient, times: 2}
              - {match: "number 3 ", fail: error}
              - {match: "Rate the response", reply: "Score: 7"}
              - {match: "Write", reply: "fine"}
        agents:
          - {name: load, use: basic.load_jsonl, with: {path: prompts.jsonl}}
          - {name: generate, use: basic.generate}
    """)
    summary, store = run_campaign(path)
    assert summary.status == "finished"
    _, generated = query(store, "SELECT instruction FROM basic_generated ORDER BY instruction")
    assert len(generated) == 5 and not any("number 3 " in g[0] for g in generated)
    _, failures = query(store, "SELECT error FROM failure")
    assert len(failures) == 1 and "injected an error" in failures[0][0]
    _, calls = query(store, "SELECT count(*) FILTER (WHERE error IS NOT NULL), count(*) FROM model_calls "
                            "WHERE NOT cached")
    errors, fresh = calls[0]
    assert errors >= 1 and fresh >= 6


def test_agent_emitting_an_undeclared_kind_is_recorded_as_failure(tmp_path: Path, run_campaign) -> None:
    path = write_campaign(tmp_path, """
        name: liar
        agents:
          - {name: count, use: testing.count, with: {per_round: 2}}
          - {name: liar, use: testing.liar}
    """)
    summary, store = run_campaign(path)
    _, failures = query(store, "SELECT error FROM failure")
    assert len(failures) == 2 and "does not declare" in failures[0][0]
    assert summary.agents["liar"].failed == 2
    assert summary.outcome == "failed" and summary.exit_code == 4


def test_observer_hooks_fire_and_a_raising_observer_is_contained(tmp_path: Path, run_campaign, caplog) -> None:
    from tests.core.agents_for_tests import EVENTS

    EVENTS.clear()
    summary, _ = run_campaign(write_campaign(tmp_path, COUNT_SQUARE_SUM))
    assert summary.status == "finished"
    assert EVENTS[0] == ("start", "numbers") and EVENTS[-1] == ("end", "finished")
    assert sorted(e[1] for e in EVENTS if e[0] == "failed") == [
        "square:refusing 0", "square:refusing 14", "square:refusing 7"]
    assert {e[1] for e in EVENTS if e[0] == "batch"} == {"square", "total"}
    assert "plugin 'testing' failed in on_batch_done" in caplog.text


def test_a_source_that_raises_records_a_failure_and_the_campaign_finishes(tmp_path: Path, run_campaign) -> None:
    path = write_campaign(tmp_path, """
        name: broken
        agents:
          - {name: source, use: testing.broken_source}
          - {name: square, use: testing.square}
    """)
    summary, store = run_campaign(path)
    assert summary.status == "finished"
    assert summary.outcome == "failed", "a source that could not produce anything must not read as a success"
    assert query(store, "SELECT error FROM failure")[1] == [("round 0: disk on fire",)]


AFTER = """
name: after
agents:
  - name: count
    use: testing.count
    with: {rounds: 3, per_round: 5}
  - name: total
    use: testing.slow_sum
    inputs: [count]
  - name: square
    use: testing.square
    with: {fail_multiples_of: 1000}
    inputs: [count]
    after: [{before}]
"""


def test_after_holds_an_agent_until_the_named_agents_finished(tmp_path: Path, run_campaign) -> None:
    summary, store = run_campaign(write_campaign(tmp_path, AFTER.replace("{before}", "total")))
    assert summary.status == "finished"
    _, rows = query(store, "SELECT (SELECT max(created_at) FROM testing_total), "
                           "(SELECT min(created_at) FROM testing_number WHERE agent = 'square'), "
                           "(SELECT count(*) FROM testing_number WHERE agent = 'square')")
    total_at, first_square_at, squares = rows[0]
    assert squares == 14 and first_square_at >= total_at  # 0 is a multiple of 1000: refused


def test_after_names_are_checked_and_cycles_through_after_refused(tmp_path: Path, run_campaign) -> None:
    with pytest.raises(ConfigError, match="runs after 'nope', which is not another agent") as error:
        run_campaign(write_campaign(tmp_path, AFTER.replace("{before}", "nope")))
    assert "campaign.yaml:" in str(error.value.where) and "agents.2.after" in str(error.value.where)
    looped = AFTER.replace("{before}", "total").replace("    inputs: [count]\n  - name: square",
                                                         "    inputs: [count]\n    after: [square]\n  - name: square")
    with pytest.raises(ConfigError, match="cycle"):
        run_campaign(write_campaign(tmp_path, looped, "looped.yaml"))


DIALOGUES = """
name: dialogues
agents:
  - {name: count, use: testing.count, with: {per_round: 6}}
  - {name: talk, use: testing.countdown}
"""


def test_an_agent_that_loops_answers_its_own_turns_batched_across_dialogues(tmp_path: Path, run_campaign) -> None:
    summary, store = run_campaign(write_campaign(tmp_path, DIALOGUES))
    assert summary.outcome == "finished"
    # dialogue d opens with remaining = d and goes down to 0: d + 1 turns; numbers 0..5
    _, rows = query(store, "SELECT dialogue, count(*), min(remaining) FROM testing_turn GROUP BY 1 ORDER BY 1")
    assert rows == [(d, d + 1, 0) for d in range(6)]
    # every turn's parent is the previous turn of the same dialogue: the transcript is one recursive query
    _, chain = query(store, "WITH RECURSIVE t AS (SELECT id, remaining, parents FROM testing_turn WHERE dialogue = 5 "
                            "AND remaining = 0 UNION ALL SELECT p.id, p.remaining, p.parents FROM testing_turn p JOIN t "
                            "ON list_contains(t.parents, p.id)) SELECT remaining FROM t ORDER BY remaining")
    assert [r[0] for r in chain] == list(range(6))
    # the turns waiting at the same time went to one batch: the opening turns came from the six numbers together,
    # and each later wave holds every dialogue still going (the one that just ended included)
    _, waves = query(store, "SELECT 5 - remaining AS step, min(wave), max(wave) FROM testing_turn "
                            "WHERE dialogue = 5 GROUP BY 1 ORDER BY 1")
    assert waves == [(0, 6, 6)] + [(s, 7 - s, 7 - s) for s in range(1, 6)]


def test_a_looping_agent_resumes_mid_dialogue(tmp_path: Path, run_campaign) -> None:
    path = write_campaign(tmp_path, DIALOGUES)
    _, full = run_campaign(path, tmp_path / "full.duckdb")
    store = tmp_path / "cut.duckdb"
    run_campaign(path, store)
    with duckdb_connection(store) as con:  # forget the last turns, as a kill before their flush would
        lost = "kind = 'testing.turn' AND json_extract(payload, '$.remaining')::INT < 2"
        # outputs and the markers of the inputs they answer go together, as in the writer's transactions
        con.execute(f"DELETE FROM handled WHERE agent = 'talk' AND input_id IN (SELECT unnest(parents) FROM messages "
                    f"WHERE {lost})")
        con.execute(f"DELETE FROM handled WHERE input_id IN (SELECT id FROM messages WHERE {lost})")
        con.execute(f"DELETE FROM messages WHERE {lost}")
    summary, _ = run_campaign(path, store)
    assert summary.agents["talk"].handled > 0
    sql = "SELECT id, payload::VARCHAR FROM messages WHERE kind = 'testing.turn' ORDER BY id"
    strip = lambda rows: [(i, p.split('"wave"')[0]) for i, p in rows]  # noqa: E731 - waves differ on resume
    assert strip(query(store, sql)[1]) == strip(query(full, sql)[1])


class duckdb_connection:
    def __init__(self, path: Path) -> None:
        self.con = connect(path, read_only=False)

    def __enter__(self):
        return self.con

    def __exit__(self, *exc) -> None:
        self.con.close()
