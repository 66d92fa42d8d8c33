"""Prompts that make training pairs for the pair model.

The paper trains on human-labelled paraphrase corpora and has no prompts; these are ours. A paraphrase keeps the
constraint and changes the words (a positive); an edit keeps most words and changes the constraint (a hard
negative: near in wording, different in meaning, which is exactly what a dedup judge must not merge).
"""

PARAPHRASE = ("Rewrite the following instruction so that it asks for exactly the same thing in different words. "
              "Reply with the rewritten instruction only.\n\nInstruction: {instruction}")

EDIT = ("Change the following instruction so that it asks for something different: change its constraint (a "
        "number, a letter, a format, a length or a language) and keep most of its words. Reply with the changed "
        "instruction only.\n\nInstruction: {instruction}")


def paraphrase(instruction: str) -> str:
    return PARAPHRASE.format(instruction=instruction)


def edit(instruction: str) -> str:
    return EDIT.format(instruction=instruction)
