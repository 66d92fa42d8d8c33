"""Few-shot completion prompts for base models (`prompt_style: completion`), from small examples of our own.

A base model was never trained on chat turns or on long instructions such as AutoIF's prompts: asked the paper's
verifier prompt, the embedded Gemma 3 270M writes prose, and even the 135M chat model writes Python without the
JSON around it. What a small model does well is continue a pattern. So each stage gets a prompt made of a one-line
header and a few solved examples in exactly the form its reply is parsed in (a `- ` list of instructions, a
one-line verifier JSON object, a JSON list of instructions, an NLI label, `Score: N`), ending where the reply
begins. The instruction writer's examples are the campaign's seed instructions, as in the paper; the others are
written for this plugin (nothing is copied from the reference repository) and cover the kinds of instruction a
code check can verify. The verifier writer shows the examples nearest to the instruction, since a small model
mostly adapts the closest example.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Callable, Sequence

from synthloom.plugins.autoif.parsing.replies import NLI_LABELS


@dataclass(frozen=True)
class VerifierExample:
    """An instruction, a function that checks it, and test cases the function passes (tested)."""

    instruction: str
    func: str
    cases: tuple[tuple[str, bool], ...]

    def reply(self) -> str:
        """The verifier writer's reply: one line of JSON, separators as the constrained decoder writes them, and
        each case's expected output before its input (`structured.VERIFIER_SCHEMA` says why)."""
        return json.dumps({"func": self.func, "cases": [{"output": o, "input": i} for i, o in self.cases]})


def _returns(expression: str, *lines: str) -> str:
    return "\n".join(["def evaluate(response):", *(f"    {line}" for line in lines), f"    return {expression}"])


VERIFIERS: tuple[VerifierExample, ...] = (
    VerifierExample("Answer in all lowercase letters", _returns("response == response.lower()"),
                    (("hello there", True), ("Hello There", False), ("ok, fine", True))),
    VerifierExample("Answer in all capital letters", _returns("response == response.upper()"),
                    (("GOOD MORNING", True), ("Good morning", False), ("YES!", True))),
    VerifierExample("Do not use any commas", _returns("',' not in response"),
                    (("no commas here", True), ("one, two", False), ("a b c", True))),
    VerifierExample("Answer in at most 10 words", _returns("len(response.split()) <= 10"),
                    (("short answer", True), ("one two three four five six seven eight nine ten eleven", False),
                     ("five words are right here", True))),
    VerifierExample("End your response with the word 'done'", _returns("response.strip().endswith('done')"),
                    (("all finished, done", True), ("done already?", False), ("that is done", True))),
    VerifierExample("Include the keyword 'sky'", _returns("'sky' in response.lower()"),
                    (("The sky is blue.", True), ("It is raining.", False), ("SKY high", True))),
    VerifierExample("Start your response with the word 'Yes'", _returns("response.startswith('Yes')"),
                    (("Yes, it is.", True), ("No.", False), ("yes", False))),
    VerifierExample("Do not use the letter 'z'", _returns("'z' not in response.lower()"),
                    (("hello", True), ("zero", False), ("Zoo", False))),
    VerifierExample("Do not use any question marks", _returns("'?' not in response"),
                    (("I see.", True), ("Why not?", False), ("Fine, thanks", True))),
    VerifierExample("Do not use exclamation marks in your answer", _returns("'!' not in response"),
                    (("Calm down.", True), ("Wow!", False), ("Yes! Sure", False))),
    VerifierExample("End your response with a question mark", _returns("response.strip().endswith('?')"),
                    (("Is it blue?", True), ("It is blue.", False), ("Who knows? Not me", False))),
    VerifierExample("Answer in at least 30 words", _returns("len(response.split()) >= 30"),
                    (("too short", False), ("word " * 30, True), ("one two three", False))),
    VerifierExample("Include a number in your answer", _returns("any(c.isdigit() for c in response)"),
                    (("I have 2 cats", True), ("I have two cats", False), ("Call 911", True))),
    VerifierExample("Answer with at least 3 sentences", _returns("response.count('.') >= 3"),
                    (("One. Two. Three.", True), ("Only one.", False), ("A. B. C. D.", True))),
    VerifierExample("Wrap your entire response in double quotes",
                    _returns("len(text) > 1 and text[0] == '\"' and text[-1] == '\"'", "text = response.strip()"),
                    (('"hi there"', True), ("hi there", False), ('"open', False))),
    VerifierExample("Respond with a list of bullet points starting with '- '",
                    _returns("bool(lines) and all(line.startswith('- ') for line in lines)",
                             "lines = [line for line in response.splitlines() if line.strip()]"),
                    (("- one\n- two", True), ("one, two", False), ("- a\nb", False))),
)

# (premise, hypothesis, label): the NLI judge's examples, one of each label and a harder entailment.
NLI_EXAMPLES: tuple[tuple[str, str, str], ...] = (
    ("Answer in all lowercase letters", "Do not use any capital letters.", "entailment"),
    ("Answer in all lowercase letters", "Write your whole answer in capital letters.", "contradiction"),
    ("Do not use any commas", "Answer in at most 10 words.", "neutral"),
    ("Include the keyword 'sky'", "Mention the word 'sky' at least once.", "entailment"),
)

# (instruction, query, response): the responder's examples.
RESPONSES: tuple[tuple[str, str, str], ...] = (
    ("Answer in all lowercase letters", "What is the capital of France?", "the capital of france is paris."),
    ("Do not use any commas", "Name three colours.", "Red and blue and green are three colours."),
    ("End your response with the word 'done'", "How do I boil an egg?",
     "Put the egg in boiling water for nine minutes, then cool it in cold water. done"),
)

# (instruction, query, response, score): the quality judge's examples, good and bad answers alike.
JUDGEMENTS: tuple[tuple[str, str, str, int], ...] = (
    ("Answer in all lowercase letters", "What is the capital of France?", "the capital of france is paris.", 9),
    ("Do not use any commas", "Name three colours.", "I like turtles and long walks", 2),
    ("End your response with the word 'done'", "How do I boil an egg?",
     "Put the egg in boiling water for nine minutes, then cool it. done", 9),
    ("Include the keyword 'sky'", "Why is grass green?", "sky sky sky", 1),
)

INSTRUCTIONS_HEAD = "Instructions about the format of a response, each easy to check with a Python function:\n"
VERIFIER_HEAD = "Python functions that check whether a response follows an instruction, with test cases, as JSON.\n"
BACK_TRANSLATION_HEAD = "Python functions and the instruction that each of them checks, as a JSON list.\n"
NLI_HEAD = "Does instruction A imply instruction B (entailment), rule it out (contradiction), or neither (neutral)?\n"
RESPOND_HEAD = "Answers to queries that strictly follow the instruction given with each query.\n"
JUDGE_HEAD = ("Scores from 0 to 10 of how helpful and related each response is to its query; a response must also "
              "follow its instruction.\n")

# Where a reply ends: at the blank line before the next example, or at the next example's first field.
STOP_LINE = ["\n"]
STOP_BLOCK = ["\n\n", "\nInstruction:", "\nQuery:"]


def instruction_list(seeds: Sequence[str]) -> str:
    """The seed instructions as a `- ` list for the model to continue with more lines."""
    return INSTRUCTIONS_HEAD + "".join(f"- {seed}\n" for seed in seeds)


def _words(text: str) -> set[str]:
    """Lowercase words of three letters or more, and symbols, plurals folded ("marks" is "mark")."""
    words = re.findall(r"[a-z0-9]{3,}|[^\sa-z0-9]", text.lower())
    return {w[:-1] if len(w) > 3 and w.endswith("s") else w for w in words}


def nearest_verifiers(text: str, k: int, key: Callable[[VerifierExample], str]) -> list[VerifierExample]:
    """The `k` examples whose `key` (instruction or function) is nearest to `text`, most similar last, since a
    small model mostly adapts the example just before its turn. Shared words count by how rare they are among the
    examples, so that "question" outweighs "answer" and `'?'` outweighs `return`; ties keep table order."""
    keys = [_words(key(e)) for e in VERIFIERS]
    rarity = {w: 1 / sum(w in found for found in keys) for found in keys for w in found}
    words = _words(text)
    ranked = sorted(range(len(VERIFIERS)), key=lambda i: (-sum(rarity[w] for w in words & keys[i]), i))
    return [VERIFIERS[i] for i in reversed(ranked[:k])]


def verifier(instruction: str, shots: int = 3) -> str:
    shown = nearest_verifiers(instruction, shots, lambda e: e.instruction)
    blocks = [f"Instruction: {e.instruction}\n{e.reply()}\n" for e in shown]
    return VERIFIER_HEAD + "\n" + "\n".join(blocks) + f"\nInstruction: {instruction}\n"


def _functions_block(funcs: Sequence[str]) -> str:
    return "".join(f"Function {n}:\n{func.strip()}\n" for n, func in enumerate(funcs, 1))


def back_translation(funcs: Sequence[str], shots: int = 3) -> str:
    """The functions of one instruction, to be answered with their instructions in a JSON list; the examples are
    the verifier examples whose code is nearest, so that the model reads `isdigit` as "a number"."""
    shown = nearest_verifiers(" ".join(funcs), shots, lambda e: e.func)
    blocks = [_functions_block([e.func]) + "Instructions:\n" + json.dumps([e.instruction + "."]) + "\n"
              for e in shown]
    return BACK_TRANSLATION_HEAD + "\n" + "\n".join(blocks) + "\n" + _functions_block(funcs) + "Instructions:\n"


def nli(premise: str, hypothesis: str) -> str:
    """Ends with `Relation:`; the label follows after a space (see `NLI_CHOICES`)."""
    blocks = [f"A: {p}\nB: {h}\nRelation: {label}\n" for p, h, label in NLI_EXAMPLES]
    return NLI_HEAD + "\n" + "\n".join(blocks) + f"\nA: {premise}\nB: {hypothesis}\nRelation:"


# A base model continues `Relation:` with a space before the word, as in the examples.
NLI_CHOICES = [f" {label}" for label in NLI_LABELS]


def respond(instruction: str, query: str) -> str:
    """Ends with `Answer:`; the reply is the answer, up to the blank line before the next example."""
    blocks = [f"Instruction: {i}\nQuery: {q}\nAnswer: {r}\n" for i, q, r in RESPONSES]
    return RESPOND_HEAD + "\n" + "\n".join(blocks) + f"\nInstruction: {instruction}\nQuery: {query}\nAnswer:"


def quality_judge(instruction: str, query: str, response: str) -> str:
    """Ends after the response; the reply is `Score: N`, which the reference's parser reads."""
    blocks = [f"Instruction: {i}\nQuery: {q}\nResponse: {r}\nScore: {s}\n" for i, q, r, s in JUDGEMENTS]
    return (JUDGE_HEAD + "\n" + "\n".join(blocks)
            + f"\nInstruction: {instruction}\nQuery: {query}\nResponse: {' '.join(response.split())}\n")
