"""Small pure helpers: dtype choice, stop strings, schema checks, the plain chat template, option errors."""

from __future__ import annotations

import pytest

from synthloom.backends.base import ChatMessage, GenerateRequest, Generation
from synthloom.backends.chat_template import render_chat
from synthloom.backends.schema_check import check_generation, extract_json
from synthloom.backends.stops import cut_at_stop
from synthloom.backends.transformers.torch_runtime import cpu_flags, resolve_dtype


@pytest.mark.parametrize("option, device, flags, expected", [
    ("auto", "cpu", {"avx2", "amx_bf16"}, "bfloat16"),
    ("auto", "cpu", {"avx512f", "avx512_bf16"}, "bfloat16"),
    ("auto", "cpu", {"avx2", "avx512f"}, "float32"),
    ("auto", "cuda", set(), "bfloat16"),
    ("float32", "cuda", set(), "float32"),
    ("bfloat16", "cpu", set(), "bfloat16"),
])
def test_dtype_choice(option, device, flags, expected):
    assert resolve_dtype(option, device, flags) == expected


def test_cpu_flags_are_read_from_cpuinfo(tmp_path):
    info = tmp_path / "cpuinfo"
    info.write_text("processor\t: 0\nflags\t\t: fpu avx2 amx_bf16\n")
    assert cpu_flags(info) == {"fpu", "avx2", "amx_bf16"}
    assert cpu_flags(tmp_path / "missing") == set()


def test_stop_strings_cut_at_the_earliest():
    assert cut_at_stop("a END b STOP c", ["STOP", "END"]) == ("a ", True)
    assert cut_at_stop("nothing", ["x", ""]) == ("nothing", False)


def test_json_is_found_in_prose_and_fences():
    assert extract_json('Sure! ```json\n{"a": [1, 2]}\n``` done') == {"a": [1, 2]}
    assert extract_json("[1, 2]") == [1, 2]
    with pytest.raises(ValueError):
        extract_json("no json {here")


def test_schema_failures_are_recorded_not_raised():
    schema = GenerateRequest(prompt="p", json_schema={"type": "object", "properties": {"n": {"type": "integer"}},
                                                      "required": ["n"]})
    assert check_generation(Generation(text='{"n": 3}'), schema).parsed == {"n": 3}
    wrong = check_generation(Generation(text='{"n": "three"}'), schema)
    assert wrong.parsed is None and wrong.schema_error.startswith("output does not match the JSON schema at n:")
    assert "no JSON" in check_generation(Generation(text="hello"), schema).schema_error
    assert check_generation(Generation(text="hello"), GenerateRequest(prompt="p")).schema_error is None


class TemplatedTokenizer:
    chat_template = "{{ messages }}"

    def apply_chat_template(self, messages, add_generation_prompt, tokenize):
        assert add_generation_prompt and not tokenize
        return f"<tpl>{messages}"


def test_chat_rendering_prefers_the_tokenizers_template():
    messages = [ChatMessage(role="user", content="hi")]
    assert render_chat(TemplatedTokenizer(), messages) == ("<tpl>[{'role': 'user', 'content': 'hi'}]", [])
    assert render_chat(object(), messages) == ("User: hi\nAssistant:", ["\nUser:"])
