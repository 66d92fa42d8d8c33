"""The prompts of AutoIF, worded as in the reference scripts (QwenLM/AutoIF, `code/`), so that a campaign with an
API model reproduces the paper's data rather than a paraphrase of it; and the user turn of its SFT and DPO data.

The NLI judge prompt is ours: the reference uses an mDeBERTa NLI classifier there (see docs/autoif.md).
"""

from __future__ import annotations

import json

# code/1_RFT.py
AUGMENT_INSTRUCTIONS = """You are an expert for writing instructions. Please provide {count} different instructions that meet the following requirements:
- Instructions are about the format but not style of a response
- Whether instructions are followed can be easily evaluate by a Python function
Here are some examples of instructions we need:
{seed_instructions}
Do not generate instructions about writing style, using metaphor, or translation. Here are some examples of instructions we do not need:
- Incorporate a famous historical quote seamlessly into your answer
- Translate your answer into Pig Latin
- Use only words that are also a type of food
- Respond with a metaphor in every sentence
- Write the response as if you are a character from a Shakespearean play
Please generate one instruction per line in your response and start each line with '- '.
"""

# code/2_verification_funcs_cases_generation.py
VERIFIER = """You are an expert for writing evaluation functions in Python to evaluate whether a response strictly follows an instruction.
Here is the instruction: {instruction}
Please write a Python function named `evaluate` to evaluate whether an input string `response` follows this instruction. If it follows, simply return True, otherwise return False.
Please response with a single JSON includes the evaluation function in the key `func`, and a list of three test cases in the key `cases`, which includes an input in the key `input` and an expected output in the key `output` in (true, false).
Here is an example of output JSON format: {{"func": JSON_STR(use only \\n instead of \n), "cases": [{{"input": str, "output": str}}]}}."""

# code/4_eval_func_backtranslator.py
_BACK_TRANSLATION_EXAMPLE_FUNCS = [
    ["def evaluate(response):\n    return 'e' not in response.lower()", 1.0],
    ["def evaluate(response):\n    words = response.split()\n    for word in words:\n        if 'e' in word.lower():\n"
     "            return False\n    return True", 1.0],
    ["def evaluate(response):\n    return all('e' not in word.lower() for word in response.split())", 1.0],
]
_BACK_TRANSLATION_EXAMPLE_OUT = ["Answer without using any words that contain the letter 'E'.",
                                 "Answer with words that do not contain the letter 'E'.",
                                 "Answer with words that do not contain the letter 'E'."]

# The reference formats Python lists into an f-string: its example shows the repr-like form, with real newlines.
BACK_TRANSLATION = ("You are an expert in converting the Python eval function code into the corresponding instruction "
                    "text. I will provide the eval function code. Please strictly follow the code to convert it into "
                    "the corresponding instruction text. Here's an example: \n\n"
                    + json.dumps(_BACK_TRANSLATION_EXAMPLE_FUNCS).replace("\\n", "\n") + " \n\n"
                    + json.dumps(_BACK_TRANSLATION_EXAMPLE_OUT)
                    + " Please convert the following eval function into instructions stored in a list: \n\n{funcs}")

# code/6_concat_sharegpt_query.py
RESPOND = "Please answer the query strictly following the instruction.\n[instruction] {instruction}\n[Query] {query}"

# code/7_query_vertification.py
QUALITY_JUDGE = """You are an expert that is good at judging whether a response is following the instruction and query.
[Instruction] {instruction}
[Query] {query}
[Response] {response}
Please notice that the response may not be helpful as it needs to strictly follow the requirements in the Instruction.
You need to judge whether the response answers the query. Please first provide a detailed analysis and then give a score ranking from 0 to 10 at the last line.
Scoring 0 means the response is totally unrelated to the query, while scoring 10 means the response is helpful and highly related to the query.
Please only provide a score in the format `Score: {{score}}` without any other contents at the last line."""

# Ours: stands in for the reference's NLI classifier when the campaign's model is the judge.
NLI_JUDGE = """Decide the relation between two instructions.
Premise: {premise}
Hypothesis: {hypothesis}
Does the premise entail the hypothesis, contradict it, or neither? Answer with one word: entailment, neutral or contradiction.
Answer:"""


def augment_instructions(seeds: list[str], count: int) -> str:
    return AUGMENT_INSTRUCTIONS.format(count=count, seed_instructions="\n".join(seeds))


def verifier(instruction: str) -> str:
    return VERIFIER.format(instruction=instruction)


def back_translation(funcs: list[tuple[str, float]]) -> str:
    return BACK_TRANSLATION.format(funcs=[list(f) for f in funcs])


def respond(instruction: str, query: str) -> str:
    return RESPOND.format(instruction=instruction, query=query)


def quality_judge(instruction: str, query: str, response: str) -> str:
    return QUALITY_JUDGE.format(instruction=instruction, query=query, response=response)


def nli_judge(premise: str, hypothesis: str) -> str:
    return NLI_JUDGE.format(premise=premise, hypothesis=hypothesis)


def join_query_instruction(query: str, instruction: str) -> str:
    """The user turn of AutoIF's SFT data: the query, then the instruction, capitalised and punctuated like the
    reference's `9_sft_data_construction.py` (so models trained on either see the same prompts). Rows imported from
    AutoIF's DPO files carry the joined prompt as the query and no instruction; they are used as they are."""
    if not instruction:
        return query
    query = query[:1].upper() + query[1:]
    instruction = instruction[:1].upper() + instruction[1:]
    if "?" in query or "." in query:
        return f"{query} {instruction}."
    return f"{query}. {instruction}."
