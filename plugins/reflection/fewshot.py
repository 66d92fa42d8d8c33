"""Few-shot completion prompts for a base-model teacher (`prompt_style: completion`), from small examples of ours.

The reference prompts are chat turns with a system message and a long list of criteria, which a base model never
learnt to answer; it does continue a pattern. So a base teacher sees a one-line header, solved examples in the
reference's own blocks (`[Instruction]`, `[The Start of Answer]` ... and the tagged reply the parser reads), and the
sample to reflect, ending where its tagged reply begins. The examples are written for this plugin, not copied from
the reference repository.
"""

from __future__ import annotations

# (instruction, answer, new instruction, new answer): an instruction reflection.
INSTRUCTION_EXAMPLES: tuple[tuple[str, str, str, str], ...] = (
    ("Name a colour.", "Red.",
     "Explain why the sky looks blue during the day but red at sunset.",
     "Air scatters blue light more than red light, so at noon scattered blue light fills the sky. At sunset the "
     "light crosses much more air, most of the blue is scattered away, and the remaining red and orange light "
     "reaches the eye."),
    ("What is 2 + 2?", "4",
     "A shop sells pens at 3 for 2 dollars. How much do 12 pens cost, and how did you work it out?",
     "12 pens are 4 groups of 3 pens, and each group costs 2 dollars, so 12 pens cost 4 x 2 = 8 dollars."),
)

# (instruction, input, answer, better answer): a response reflection.
RESPONSE_EXAMPLES: tuple[tuple[str, str, str, str], ...] = (
    ("How many legs does a spider have?", "", "Many.",
     "A spider has eight legs, in four pairs attached to the front part of its body."),
    ("Summarise the text in one sentence.", "The meeting moved from Monday to Wednesday because the room was booked.",
     "There is a meeting.",
     "The meeting was moved from Monday to Wednesday because the room was already booked."),
)

INSTRUCTION_HEAD = "Weak instructions with their answers, each followed by a harder, self-contained instruction and " \
                   "its detailed answer.\n"
RESPONSE_HEAD = "Instructions with a poor answer, each followed by a better, complete and accurate answer.\n"
# A reply ends at the blank line before the next example.
STOP = ["\n\n"]


def _sample(instruction: str, input: str, answer: str) -> str:
    given = f"[The Start of Input]\n{input.strip()}\n[The End of Input]\n" if input.strip() else ""
    return (f"[Instruction]\n{instruction.strip()}\n{given}[The Start of Answer]\n{answer.strip()}\n"
            "[The End of Answer]\n")


def instruction_reflection(instruction: str, output: str) -> str:
    """Like the reference, asked without the sample's input."""
    blocks = [_sample(i, "", a) + f"[New Instruction] {ni} [End]\n[New Answer] {na} [End]\n"
              for i, a, ni, na in INSTRUCTION_EXAMPLES]
    return INSTRUCTION_HEAD + "\n" + "\n".join(blocks) + "\n" + _sample(instruction, "", output)


def response_reflection(instruction: str, input: str, output: str) -> str:
    blocks = [_sample(i, x, a) + f"[Better Answer] {b} [End]\n" for i, x, a, b in RESPONSE_EXAMPLES]
    return RESPONSE_HEAD + "\n" + "\n".join(blocks) + "\n" + _sample(instruction, input, output)
