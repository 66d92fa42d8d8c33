"""The teacher's prompts, verbatim from Reflection-Tuning (arXiv 2310.11716, tianyi-lab/Reflection_Tuning).

Instruction reflection asks the teacher to criticise the instruction (complexity of the topic, level of detail
required, knowledge required, ambiguity, logical reasoning) and the answer (helpfulness, relevance, accuracy, level
of detail), then to write a new, harder instruction and its answer in tagged blocks. Response reflection criticises
only the answer and asks for a better one. The wording, typos included, is the reference's: the tags the parser
looks for are named in it, and a teacher's replies depend on it.
"""

from __future__ import annotations

from synthloom import ChatMessage

_ANSWER_TEMPLATE = "[Instruction]\n{ins}\n\n[The Start of Answer]\n{outp}\n\n[The End of Answer]\n\n[System]\n{criteria}\n\n"
_INPUT_TEMPLATE = ("[Instruction]\n{ins}\n\n[The Start of Input]\n{inp}\n\n[The End of Input]\n\n"
                   "[The Start of Answer]\n{outp}\n\n[The End of Answer]\n\n[System]\n{criteria}\n\n")

INSTRUCTION_SYSTEM = "You are a helpful, precise but picky assistant for checking the quality of a given instruction."
INSTRUCTION_CRITERIA = (
    "We would like you to answer several questions related to the quality of a given instruction. \n"
    "1. Why this instruction is not good? First analyse the instruction based on Complexity of the Topic, Level of "
    "Detail Required, Knowledge Required, Ambiguity of the Instruction and Logical Reasoning or Problem-Solving "
    "Involved. \n"
    "Then analyse why this answer is not good for the given instruction? Analyse based on the Helpfulness, "
    "Relevance, Accuracy and Level of Details. \n"
    "Finally analyse why this bad instruction lead to a bad answer. "
    "2. Based on the reason you provided, generate a new and complete instruction which is complex and difficult to "
    "answer directly. Make sure the new instruction is relevent but independent to the original instruction, which "
    "can be answered without knowing the original instruction, put the new instruction in the format of "
    "[New Instruction] your instruction [End]"
    "3. Answer the newly generated instruction as detailed as possible, in the format of [New Answer] your answer "
    "[End] \n"
)

RESPONSE_SYSTEM = ("You are a helpful, precise but picky assistant for checking the quality of the answer to a given "
                   "instruction.")
RESPONSE_SYSTEM_INPUT = ("You are a helpful and precise assistant for checking the quality of the answer to a given "
                         "instruction and its input.")
RESPONSE_CRITERIA = (
    "We would like you to answer several questions related to the quality of the answer to the given instruction. \n"
    "1. Why this answer is not good for the given instruction? Analyse based on the Helpfulness, Relevance, Accuracy "
    "and Level of Details. \n"
    "2. Based on the reason you provided, generate a better answer, new and complete, as detailed as possible, in "
    "the format of [Better Answer] your answer [End] \n"
)
RESPONSE_CRITERIA_INPUT = (
    "We would like you to answer several questions related to the quality of the answer to the given instruction and "
    "corresponding input. \n"
    "1. Why this answer is not good for the given instruction and corresponding input? Analyse based on the "
    "Helpfulness, Relevance, Accuracy and Level of Details. \n"
    "2. Based on the reason you provided, generate a better answer, new and complete, as detailed as possible, in "
    "the format of [Better Answer] your answer [End] \n"
)


def _chat(system: str, user: str) -> list[ChatMessage]:
    return [ChatMessage(role="system", content=system), ChatMessage(role="user", content=user)]


def instruction_reflection(instruction: str, output: str) -> list[ChatMessage]:
    """The reference asks this without the sample's input, whether or not there is one."""
    return _chat(INSTRUCTION_SYSTEM, _ANSWER_TEMPLATE.format(ins=instruction.strip(), outp=output.strip(),
                                                             criteria=INSTRUCTION_CRITERIA))


def response_reflection(instruction: str, input: str, output: str) -> list[ChatMessage]:
    instruction, input, output = instruction.strip(), input.strip(), output.strip()
    if input == "":
        return _chat(RESPONSE_SYSTEM, _ANSWER_TEMPLATE.format(ins=instruction, outp=output,
                                                              criteria=RESPONSE_CRITERIA))
    return _chat(RESPONSE_SYSTEM_INPUT, _INPUT_TEMPLATE.format(ins=instruction, inp=input, outp=output,
                                                               criteria=RESPONSE_CRITERIA_INPUT))
