"""Back-translation with the campaign's model as NLI judge (default) or a local classifier directory."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.autoif.helpers import FIXTURES, run_spec, sql

from synthloom.errors import ConfigError
from synthloom.plugins.autoif.nli import ClassifierNLI

BACK = '["Answer with short words.", "Use few letters.", "Keep words brief."]'


def tiny_classifier(directory: Path, labels: dict[int, str]) -> Path:
    """A randomly initialised 1-layer BERT classifier with a word-level tokenizer: no download."""
    from tokenizers import Tokenizer, models, pre_tokenizers, processors
    from transformers import BertConfig, BertForSequenceClassification, PreTrainedTokenizerFast

    vocab = {t: i for i, t in enumerate(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "use", "answer", "words", "no"])}
    backend = Tokenizer(models.WordLevel(vocab=vocab, unk_token="[UNK]"))
    backend.pre_tokenizer = pre_tokenizers.Whitespace()
    backend.post_processor = processors.TemplateProcessing(single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B [SEP]",
                                                           special_tokens=[("[CLS]", 2), ("[SEP]", 3)])
    PreTrainedTokenizerFast(tokenizer_object=backend, pad_token="[PAD]", unk_token="[UNK]", cls_token="[CLS]",
                            sep_token="[SEP]").save_pretrained(directory)
    config = BertConfig(vocab_size=len(vocab), hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                        intermediate_size=32, max_position_embeddings=512, id2label=labels,
                        label2id={v: k for k, v in labels.items()})
    BertForSequenceClassification(config).save_pretrained(directory)
    return directory


def campaign(judge: dict) -> dict:
    return {"name": "back", "models": {"m": {"backend": "replay", "rules": [
        {"match": "converting the Python eval function", "reply": BACK},
        {"match": "Premise: Use only palindromes", "reply": "contradiction"},
        {"match": "Premise:", "reply": "Entailment."}]}},
        "agents": [{"name": "load", "use": "autoif.load_verified_instructions",
                    "with": {"path": str(FIXTURES / "back_trans.jsonl")}},
                   {"name": "back", "use": "autoif.back_translator", "with": judge}]}


def test_model_judge_drops_contradicted_instructions(tmp_path: Path) -> None:
    summary, store = run_spec(tmp_path, campaign({}))
    assert summary.status == "finished"
    kept = sql(store, "SELECT instruction, nli_labels FROM autoif_checked_instruction ORDER BY instruction")
    assert len(kept) == 4 and all(labels == '["entailment","entailment","entailment"]' for _, labels in kept)
    dropped = sql(store, "SELECT reason, subject FROM dropped")
    assert dropped == [("contradiction", "Use only palindromes")]


def test_unparseable_back_translation_is_recorded(tmp_path: Path) -> None:
    spec = campaign({})
    spec["models"]["m"]["rules"][0]["reply"] = "The functions check short words."
    _, store = run_spec(tmp_path, spec)
    assert sql(store, "SELECT count(*) FROM dropped WHERE reason = 'back_translation_unparsed'") == [(5,)]


@pytest.mark.model
def test_local_classifier_judge(tmp_path: Path) -> None:
    model_dir = tiny_classifier(tmp_path / "nli", {0: "entailment", 1: "neutral", 2: "contradiction"})
    labels = ClassifierNLI.load(model_dir).labels_for([("use no words", "answer words"), ("a", "b")])
    assert len(labels) == 2 and set(labels) <= {"entailment", "neutral", "contradiction"}
    _, store = run_spec(tmp_path, campaign({"judge": "classifier", "nli_model": str(model_dir)}))
    checked = sql(store, "SELECT count(*) FROM autoif_checked_instruction")[0][0]
    contradicted = sql(store, "SELECT count(*) FROM dropped WHERE reason = 'contradiction'")[0][0]
    assert checked + contradicted == 5


@pytest.mark.model
def test_classifier_without_a_contradiction_label_is_refused(tmp_path: Path) -> None:
    model_dir = tiny_classifier(tmp_path / "sentiment", {0: "negative", 1: "positive"})
    with pytest.raises(ConfigError, match="no 'contradiction' label"):
        ClassifierNLI.load(model_dir)
