"""The prompt templates the reference implementations score with, verbatim, and the functions that fill them in.

IFD depends on the exact text around the answer, so reproducing a published score means reproducing its template
character for character: Cherry LLM (tianyi-lab/Cherry_LLM, `cherry_seletion/data_analysis.py`) uses Stanford
Alpaca's, Superfiltering (tianyi-lab/Superfiltering, `code_ifd/data_analysis.py`) a bare "instruction newline" one,
and Selective Reflection-Tuning (tianyi-lab/Reflection_Tuning, `selection_code/data_analysis.py`) Vicuna's by
default, with its reverse prompt.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

TemplateName = Literal["alpaca", "none", "vicuna", "wiz"]


@dataclass(frozen=True)
class Template:
    with_input: str
    no_input: str

    def render(self, instruction: str, input: str = "") -> str:
        """The prompt that precedes the answer; the input block only when there is an input (reference rule)."""
        if input == "":
            return self.no_input.format_map({"instruction": instruction})
        return self.with_input.format_map({"instruction": instruction, "input": input})


TEMPLATES: dict[str, Template] = {
    "alpaca": Template(
        with_input=("Below is an instruction that describes a task, paired with an input that provides further "
                    "context. Write a response that appropriately completes the request.\n\n"
                    "### Instruction:\n{instruction}\n\n### Input:\n{input}\n\n### Response:"),
        no_input=("Below is an instruction that describes a task. Write a response that appropriately completes "
                  "the request.\n\n### Instruction:\n{instruction}\n\n### Response:"),
    ),
    "none": Template(with_input="{instruction}\n{input}\n", no_input="{instruction}\n"),
    "vicuna": Template(
        with_input=("A chat between a curious user and an artificial intelligence assistant. The assistant gives "
                    "helpful, detailed, and polite answers to the user's questions. USER: {instruction}\nInput:\n"
                    "{input} ASSISTANT:"),
        no_input=("A chat between a curious user and an artificial intelligence assistant. The assistant gives "
                  "helpful, detailed, and polite answers to the user's questions. USER: {instruction} ASSISTANT:"),
    ),
    "wiz": Template(with_input="{instruction}\n{input}\n\n### Response:", no_input="{instruction}\n\n### Response:"),
}

# Selective Reflection-Tuning's reverse prompt: the student guesses the instruction from the response.
REVERSE_INSTRUCTION = ("Below is the response to an instruction, please guess the corresponding instruction for the "
                       "given response.\n{output}\nGenerate the instruction for the above response.")

# Cherry LLM scores the bare answer after this marker, so that s(A) and s(A|Q) share the answer's first token context.
CHERRY_DIRECT_PREFIX = "### Response:"


def reverse_prompt(template: Template, output: str) -> str:
    """The prompt that conditions the instruction on the response, for reversed IFD."""
    return template.render(REVERSE_INSTRUCTION.format_map({"output": output}))
