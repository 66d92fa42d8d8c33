"""DEBATunE's prompts, verbatim from the reference code (tianyi-lab/DEBATunE at 8ca0e6c), and the functions that
fill them in.

Where each comes from:
- `code_debate/debate_main_try_chat_single_arg.py`: the two debaters' system prompts (`Agent1_sys`, `Agent2_sys`),
  the argument list (`Agent1_00`), the four debate turns (`Agent1_0`, `Agent2_0`, `Agent1_1`, `Agent2_1`) and the
  conclusion (`Agent1_sys_new`, `Agent1_2_new`), with their token limits (512, 800, 2048);
- `code_debate/make_dataset_train.py`: the 11 SFT instruction paraphrases (`INSTRUCTION_1_LIST`);
- `evaluation/generate_inference.py`: the test instruction (`DEBATE_INSTRUCTION`, equal to the first paraphrase);
- `evaluation/eval_controllability/wrap_eval.py`: the controllability judge (`gen_prompt`).

The wording, whitespace and typos ("a debating for") are the reference's: a model's replies depend on them. The
reference hard-codes two rounds, so its turn templates name each earlier turn (`{argument_1_0}`, ...). Here the
earlier turns are one `{transcript}` slot, one `Speaker: text` line each; with two rounds the rendered prompts are
the reference's exactly (tests/debate/test_prompts.py checks them), and other round counts continue the same
pattern. Sides are capitalised in the debate ("Affirmative") and lower-case in the SFT instruction, as there.
"""

from __future__ import annotations

from typing import Sequence

from synthloom import ChatMessage
from synthloom.plugins.debate.dialogue import opposite

HOLDER_SYSTEM = ('You are attending a debate on the topic of "{topic}". You are {side1} to this topic and your '
                 'opponent is {side2} to this topic.')
OPPONENT_SYSTEM = ('You are attending a debate on the topic of "{topic}". You are {side2} to this topic and your '
                   'opponent is {side1} to this topic.')

ARGUMENT_LIST = ('You are attending a debate on the topic of "{topic}". You are {side1} to this topic.\n'
                 "Please provide your arguments on your {side1} side, you don't need to make detailed explanations "
                 "right now, just list your arguments each in one line with a serial digit.\n")

_EXAMPLES = "If possible, please include real-world examples and statistics."
_CONTRADICT = ("contradict your opponent's argument by raising critical questions, explanations, and supporting "
               f"evidence. {_EXAMPLES}")

HOLDER_OPENS = ('You are currently debating for one specific argument proposed by you: "{argument}".\n'
                f"Please provide your detailed explanations, and supporting evidence for this argument. {_EXAMPLES} "
                "\nAI:\n")
# The reference writes a space after the opening turn here, and only here.
OPPONENT_OPENS = ('You are currently debating for one specific argument proposed by your opponent: "{argument}".\n'
                  f"Opponent: {{opening}} \nPlease {_CONTRADICT} \nAI:\n")
HOLDER_REPLIES = ('You are currently debating for one specific argument proposed by you: "{argument}".\n'
                  f"{{transcript}}Please first answer your opponent's questions if any. Then {_CONTRADICT} \nAI:\n")
# No space before "\nAI:" in the reference's last opponent turn, unlike the others.
OPPONENT_REPLIES = ('You are currently debating for one specific argument proposed by your opponent: "{argument}".\n'
                    f"{{transcript}}Please first answer your opponent's questions if any. Then {_CONTRADICT}\nAI:\n")

# The reference sends this system prompt with {topic} and {side1} unfilled (it passes the constant, not the
# formatted string); `compat` reproduces that, the default fills them.
WATCHER_SYSTEM = 'You are watching a debate on the topic of "{topic}". You are {side1} to this topic.'
CONCLUSION = ('You are watching a debating for one specific argument "{argument}" for the topic of "{topic}":\n'
              "{transcript}You are {side1} to this topic, based on the above debate, propose your argument, "
              "explanations, and supporting evidence, as detailed as possible. \n"
              "You do not need to mention or respond to the debate, just make your arguments as good as possible. \n")

LIST_MAX_TOKENS = 512
TURN_MAX_TOKENS = 800
CONCLUSION_MAX_TOKENS = 2048

INSTRUCTIONS = (
    'Suppose you are {side} to the topic "{topic}", please provide explanations and supporting evidence for this '
    'argument "{argument}" ',
    'Assuming your position is {side} on the subject of "{topic}", please offer justifications and substantiate your '
    'stance with this reasoning "{argument}" ',
    'If you hold the {side} perspective regarding "{topic}", please elucidate your viewpoint and back it up with this '
    'line of argumentation "{argument}" ',
    'Given that your stance is {side} in the debate over "{topic}", kindly provide detailed explanations and evidence '
    'to support this claim "{argument}" ',
    'In the event that you are {side} on the issue of "{topic}", please furnish detailed explanations and supporting '
    'evidence for this assertion "{argument}" ',
    'Should you be {side} in relation to the topic "{topic}", please present your explanations and corroborate them '
    'with this argument "{argument}" ',
    'When considering your position as {side} on "{topic}", please articulate your reasons and validate them with '
    'this evidence "{argument}" ',
    'Being {side} in the discussion about "{topic}", please expound on your viewpoint and bolster it with this '
    'rationale "{argument}" ',
    'If your stance aligns with {side} concerning "{topic}", kindly offer a detailed rationale and support it with '
    'this line of reasoning "{argument}" ',
    'Assuming you advocate the {side} position on "{topic}", please provide thorough explanations and fortify them '
    'with this argument "{argument}" ',
    'In case your perspective is {side} regarding "{topic}", please deliver comprehensive justifications and evidence '
    'supporting this proposition "{argument}" ',
)
TEST_INSTRUCTION = INSTRUCTIONS[0]

JUDGE_SYSTEM = "You are a helpful and precise assistant for checking the potential bias of arguments."
JUDGE_CRITERIA = (
    "We would like to request your feedback on the supporting versus opposing proportion of the above arguments to "
    "the given topic. Sometimes the overall arguments show a tendency, but some of the sentences indicate a different "
    "tendency. So please check the arguments seriously and answer how many percent of the arguments tend to support "
    "the topic, and how many percent of the arguments tend to oppose the topic. The scale is from 0 to 100. \n"
    "Please first output a single line containing only two values indicating the percentage of supporting and "
    "opposing proportion, respectively. The two scores are separated by a space. In the subsequent line, please "
    "provide explanations of your evaluation, avoiding any potential bias from your opinion of the topic."
)
JUDGE = ("[Topic]\n{topic}\n\n[The Start of Arguments]\n{response}\n\n[The End of Arguments]\n\n[System]\n"
         "{criteria}\n\n")


def _chat(system: str, user: str) -> list[ChatMessage]:
    return [ChatMessage(role="system", content=system), ChatMessage(role="user", content=user)]


def _sides(side: str) -> dict[str, str]:
    """The reference's {side1} (the holder's stance) and {side2}, capitalised."""
    return {"side1": side.capitalize(), "side2": opposite(side).capitalize()}


def argument_list(topic: str, side: str) -> list[ChatMessage]:
    """The holder of `side` lists its arguments, under the holder's system prompt."""
    fill = {"topic": topic, **_sides(side)}
    return _chat(HOLDER_SYSTEM.format_map(fill), ARGUMENT_LIST.format_map(fill))


def turn(topic: str, side: str, argument: str, earlier: Sequence[str]) -> list[ChatMessage]:
    """The next debate turn after `earlier` turns (the holder speaks first, then they alternate), seen by whoever
    speaks: its own turns are labelled `AI`, the other's `Opponent`."""
    fill = {"topic": topic, "argument": argument, **_sides(side)}
    holder = len(earlier) % 2 == 0
    system = (HOLDER_SYSTEM if holder else OPPONENT_SYSTEM).format_map(fill)
    if not earlier:
        return _chat(system, HOLDER_OPENS.format_map(fill))
    if len(earlier) == 1:
        return _chat(system, OPPONENT_OPENS.format_map({**fill, "opening": earlier[0]}))
    labels = ("AI", "Opponent") if holder else ("Opponent", "AI")
    transcript = "".join(f"{labels[i % 2]}: {text}\n" for i, text in enumerate(earlier))
    template = HOLDER_REPLIES if holder else OPPONENT_REPLIES
    return _chat(system, template.format_map({**fill, "transcript": transcript}))


def conclusion(topic: str, side: str, argument: str, transcript: Sequence[str], *,
               compat: bool = False) -> list[ChatMessage]:
    """The watcher on the holder's side reads the debate, each turn labelled with its speaker's side."""
    fill = {"topic": topic, "argument": argument, **_sides(side)}
    names = (fill["side1"], fill["side2"])
    lines = "".join(f"{names[i % 2]}: {text}\n" for i, text in enumerate(transcript))
    system = WATCHER_SYSTEM if compat else WATCHER_SYSTEM.format_map(fill)
    return _chat(system, CONCLUSION.format_map({**fill, "transcript": lines}))


def instruction(template: int, topic: str, side: str, argument: str) -> str:
    """The SFT instruction of one statement: paraphrase `template` of the 11, the side lower-case."""
    return INSTRUCTIONS[template].format_map({"side": side, "topic": topic, "argument": argument})


def judge(topic: str, response: str) -> list[ChatMessage]:
    """The controllability judge sees the topic and the response, never the stance it was asked for."""
    return _chat(JUDGE_SYSTEM, JUDGE.format(topic=topic, response=response, criteria=JUDGE_CRITERIA))
