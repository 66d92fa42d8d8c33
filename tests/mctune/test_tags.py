"""Tags, test targets and the evaluation metrics, against hand-checked values of the reference's rules."""

from __future__ import annotations

import random

import pytest

from synthloom.plugins.mctune.augment import AugmentSettings, Measured, augment
from synthloom.plugins.mctune.features import FEATURES
from synthloom.plugins.mctune.metrics import report, score
from synthloom.plugins.mctune.parsing import format_tags, read_tags, sample_tags, tagged_input, truth_value, usable
from synthloom.plugins.mctune.prompts import META_INSTRUCTION, render
from synthloom.plugins.mctune.targets import Stats, is_valid, noisy_target, rounded

TRUTH = {"t_word": 120, "n_noun": 30, "n_verb": 15, "n_adj": 10, "t_uword": 80, "n_unoun": 20, "n_uverb": 12,
         "n_uadj": 8, "simp_ttr": 0.667, "simp_noun_var": 0.667, "simp_verb_var": 0.8, "simp_adj_var": 0.8,
         "fkre": 61.275, "rt_average": 0.5}


def test_meta_instruction_and_template_are_the_references() -> None:
    assert len(META_INSTRUCTION) == 943 and META_INSTRUCTION.endswith("satisfies the tags.")
    assert "[rt_average] for the average reading time. Write a response" in META_INSTRUCTION
    assert render("Name a colour.", "[t_word: 3]") == (
        f"{META_INSTRUCTION}\n\n### Instruction:\nName a colour.\n\n### Input:\n[t_word: 3]\n\n### Response:\n")


def test_between_one_and_five_tags_in_canonical_order() -> None:
    rng = random.Random(0)
    drawn = [sample_tags(rng) for _ in range(400)]
    assert {len(tags) for tags in drawn} == {1, 2, 3, 4, 5}
    assert all(tags == sorted(tags, key=FEATURES.index) and len(set(tags)) == len(tags) for tags in drawn)


def test_tag_values_print_as_the_reference_prints_them() -> None:
    assert [truth_value(v) for v in (120, 0.0, 1.0, 0.6667, 61.275)] == [120, 0, 1, 0.67, 61.27]
    assert format_tags(["t_word", "fkre"], [120, 61.27]) == "[t_word: 120] [fkre: 61.27]"
    assert tagged_input("", ["t_word"], [3]) == "[t_word: 3]"
    assert tagged_input("Some text.", ["t_word"], [3]) == "Some text. [t_word: 3]"
    assert read_tags("Some text. [t_word: 120] [fkre: 61.27] [nope: 1]") == {"t_word": 120, "fkre": 61.27}
    assert usable({"fkre": 121.22}) and not usable({"fkre": 121.23})


def test_validity_constraints() -> None:
    assert is_valid(TRUTH)
    assert not is_valid({**TRUTH, "t_word": 50})  # fewer words than nouns + verbs + adjectives (55)
    assert not is_valid({**TRUTH, "n_unoun": 31})  # more unique nouns than nouns
    assert not is_valid({**TRUTH, "n_uadj": -0.1})
    assert not is_valid({**TRUTH, "fkre": 121.3})
    assert is_valid({**TRUTH, "fkre": -500})  # no lower bound without quantisation


def test_statistics_use_the_sample_standard_deviation() -> None:
    stats = Stats.of([{**TRUTH, "t_word": 1}, {**TRUTH, "t_word": 3}])
    assert stats.means["t_word"] == 2 and stats.sigmas["t_word"] == pytest.approx(2 ** 0.5)
    assert stats.sigmas["n_noun"] == 0


def test_noise_is_scale_sigmas_and_ratios_come_from_the_unrounded_draw() -> None:
    stats = Stats({k: 0.0 for k in FEATURES}, {k: 10.0 for k in FEATURES})
    target = noisy_target(TRUTH, stats, random.Random(3), scale=0.1)
    assert not target.fallback and target.trials >= 1
    rng = random.Random(3)
    draws = {k: TRUTH[k] + 0.1 * 10.0 * rng.gauss(0.0, 1.0) for k in
             ("t_word", "n_noun", "n_verb", "n_adj", "t_uword", "n_unoun", "n_uverb", "n_uadj", "fkre")}
    if target.trials == 1:
        assert target.values["t_word"] == round(draws["t_word"])
        assert target.values["simp_ttr"] == round(draws["t_uword"] / draws["t_word"], 2)
        assert target.values["rt_average"] == round(draws["t_word"] / 240, 2)
    assert isinstance(target.values["n_noun"], int) and rounded("fkre", 61.2749) == 61.27


def test_no_valid_draw_falls_back_to_the_ground_truth() -> None:
    impossible = {**TRUTH, "t_word": 0, "t_uword": 0}
    stats = Stats({k: 0.0 for k in FEATURES}, {k: 0.0 for k in FEATURES})
    target = noisy_target(impossible, stats, random.Random(0), max_trials=50)
    assert target.fallback and target.trials == 50 and target.values == impossible


def test_augment_splits_and_tags() -> None:
    rows = [Measured(f"instruction {i}", "", f"output {i}", {**TRUTH, "t_word": 100 + i}) for i in range(6)]
    settings = AugmentSettings(test_size=2, test_augmentations=5)
    examples = augment(rows, [random.Random(i) for i in range(6)], random.Random(0), settings)
    train = [e for e in examples if e.split == "train"]
    test = [e for e in examples if e.split == "test"]
    assert len(train) == 4 and len(test) == 10
    for example in train:
        assert example.output and example.tag_values == [truth_value(rows[example.source].features[t])
                                                          for t in example.selected_tags]
    by_source: dict[int, set[tuple[str, ...]]] = {}
    for example in test:
        by_source.setdefault(example.source, set()).add(tuple(example.selected_tags))
        assert example.output == "" and example.input.startswith("[")
    assert all(len(subsets) == 1 for subsets in by_source.values())  # one tag subset per held-out response
    assert len(augment(rows[:1], [random.Random(0)], random.Random(0), settings)) == 1  # one row stays training


def test_metrics_by_hand() -> None:
    measured = {**TRUTH, "simp_ttr": 0.667}
    scored = [score(["t_word", "simp_ttr"], [120, 0.67], measured),  # one of two met (0.667 != 0.67)
              score(["t_word"], [120], measured),                    # met
              score(["n_noun"], [33], measured)]                      # missed by 3
    result = report(scored)
    assert result.zero_one_score == pytest.approx(2 / 4)
    assert result.strictly_followed == pytest.approx(1 / 3) and result.loosely_followed == pytest.approx(2 / 3)
    assert result.accuracy_per_tag["t_word"] == 1.0 and result.accuracy_per_tag["simp_ttr"] == 0.0
    assert result.mae_per_tag["n_noun"] == 3 and result.mse_per_tag["n_noun"] == 9
    assert result.mae_per_tag["simp_ttr"] == pytest.approx(0.003)
    assert result.accuracy_per_tag["fkre"] is None and report([]).zero_one_score is None
