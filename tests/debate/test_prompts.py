"""The prompts a debate sends are the reference's, character for character, when it runs its two rounds.

The expected strings are the templates of tianyi-lab/DEBATunE `code_debate/debate_main_try_chat_single_arg.py`,
written out as the reference writes them (one named slot per earlier turn) and filled with `format_map` as it fills
them (each on one line, as there); the plugin composes the same text from one transcript slot.
"""

from __future__ import annotations

from synthloom.plugins.debate import prompts

TOPIC, ARGUMENT = "Zoos should be phased out", "Confinement harms {animals}."
T = ["Turn one, with {braces}.", "Turn two.", "Turn three.", "Turn four."]

AGENT1_SYS = 'You are attending a debate on the topic of "{topic}". You are {side1} to this topic and your opponent is {side2} to this topic.'
AGENT2_SYS = 'You are attending a debate on the topic of "{topic}". You are {side2} to this topic and your opponent is {side1} to this topic.'
AGENT1_00 = 'You are attending a debate on the topic of "{topic}". You are {side1} to this topic.\nPlease provide your arguments on your {side1} side, you don\'t need to make detailed explanations right now, just list your arguments each in one line with a serial digit.\n'
AGENT1_0 = 'You are currently debating for one specific argument proposed by you: "{argument}".\nPlease provide your detailed explanations, and supporting evidence for this argument. If possible, please include real-world examples and statistics. \nAI:\n'
AGENT2_0 = 'You are currently debating for one specific argument proposed by your opponent: "{argument}".\nOpponent: {argument_1_0} \nPlease contradict your opponent\'s argument by raising critical questions, explanations, and supporting evidence. If possible, please include real-world examples and statistics. \nAI:\n'
AGENT1_1 = 'You are currently debating for one specific argument proposed by you: "{argument}".\nAI: {argument_1_0}\nOpponent: {argument_2_0}\nPlease first answer your opponent\'s questions if any. Then contradict your opponent\'s argument by raising critical questions, explanations, and supporting evidence. If possible, please include real-world examples and statistics. \nAI:\n'
AGENT2_1 = 'You are currently debating for one specific argument proposed by your opponent: "{argument}".\nOpponent: {argument_1_0}\nAI: {argument_2_0}\nOpponent: {argument_1_1}\nPlease first answer your opponent\'s questions if any. Then contradict your opponent\'s argument by raising critical questions, explanations, and supporting evidence. If possible, please include real-world examples and statistics.\nAI:\n'
AGENT1_SYS_NEW = 'You are watching a debate on the topic of "{topic}". You are {side1} to this topic.'
AGENT1_2_NEW = 'You are watching a debating for one specific argument "{argument}" for the topic of "{topic}":\n{side1}: {argument_1_0}\n{side2}: {argument_2_0}\n{side1}: {argument_1_1}\n{side2}: {argument_2_1}\nYou are {side1} to this topic, based on the above debate, propose your argument, explanations, and supporting evidence, as detailed as possible. \nYou do not need to mention or respond to the debate, just make your arguments as good as possible. \n'
SLOTS = {"argument_1_0": T[0], "argument_2_0": T[1], "argument_1_1": T[2], "argument_2_1": T[3]}


def fill(template: str, side1: str, side2: str) -> str:
    return template.format_map({"topic": TOPIC, "argument": ARGUMENT, "side1": side1, "side2": side2, **SLOTS})


def chat(messages) -> tuple[str, str]:
    assert [m.role for m in messages] == ["system", "user"]
    return messages[0].content, messages[1].content


def test_two_rounds_send_the_reference_prompts_for_both_sides() -> None:
    for side, (side1, side2) in {"affirmative": ("Affirmative", "Negative"),
                                 "negative": ("Negative", "Affirmative")}.items():
        holder, opponent = fill(AGENT1_SYS, side1, side2), fill(AGENT2_SYS, side1, side2)
        assert chat(prompts.argument_list(TOPIC, side)) == (holder, fill(AGENT1_00, side1, side2))
        expected = [(holder, AGENT1_0), (opponent, AGENT2_0), (holder, AGENT1_1), (opponent, AGENT2_1)]
        for done, (system, template) in enumerate(expected):
            assert chat(prompts.turn(TOPIC, side, ARGUMENT, T[:done])) == (system, fill(template, side1, side2))
        assert chat(prompts.conclusion(TOPIC, side, ARGUMENT, T)) == (fill(AGENT1_SYS_NEW, side1, side2),
                                                                      fill(AGENT1_2_NEW, side1, side2))


def test_compat_sends_the_watcher_system_prompt_unfilled_as_the_reference_does() -> None:
    system, user = chat(prompts.conclusion(TOPIC, "negative", ARGUMENT, T, compat=True))
    assert system == AGENT1_SYS_NEW and "{topic}" in system
    assert user == fill(AGENT1_2_NEW, "Negative", "Affirmative")


def test_a_third_round_continues_the_reference_pattern() -> None:
    extra = [*T, "Turn five."]
    _, holder = chat(prompts.turn(TOPIC, "affirmative", ARGUMENT, T))
    assert holder.endswith("\nAI: Turn one, with {braces}.\nOpponent: Turn two.\nAI: Turn three.\nOpponent: Turn four."
                           "\n"
                           "Please first answer your opponent's questions if any. Then contradict your opponent's "
                           "argument by raising critical questions, explanations, and supporting evidence. If "
                           "possible, please include real-world examples and statistics. \nAI:\n")
    _, opponent = chat(prompts.turn(TOPIC, "affirmative", ARGUMENT, extra))
    assert "\nOpponent: Turn one, with {braces}.\nAI: Turn two.\n" in opponent
    assert "\nOpponent: Turn five.\n" in opponent
    _, watcher = chat(prompts.conclusion(TOPIC, "affirmative", ARGUMENT, [*extra, "Turn six."]))
    assert "\nNegative: Turn six.\nYou are Affirmative to this topic" in watcher


def test_instructions_are_the_eleven_paraphrases_with_their_trailing_space() -> None:
    assert len(prompts.INSTRUCTIONS) == 11 and all(t.endswith('"{argument}" ') for t in prompts.INSTRUCTIONS)
    assert prompts.instruction(7, "T", "negative", "A") == ('Being negative in the discussion about "T", please '
                                                            'expound on your viewpoint and bolster it with this '
                                                            'rationale "A" ')
    assert prompts.TEST_INSTRUCTION == prompts.INSTRUCTIONS[0]


def test_the_judge_sees_the_topic_and_the_response_only() -> None:
    system, user = chat(prompts.judge("Topic {x}", "Some {arguments}."))
    assert system == "You are a helpful and precise assistant for checking the potential bias of arguments."
    assert user.startswith("[Topic]\nTopic {x}\n\n[The Start of Arguments]\nSome {arguments}.\n\n"
                           "[The End of Arguments]\n\n[System]\nWe would like to request your feedback")
    assert "The scale is from 0 to 100. \nPlease first output a single line" in user
    assert user.endswith("avoiding any potential bias from your opinion of the topic.\n\n")
