"""The prompts of the example_plugin plugin, kept apart so that they can be read, cited and changed in one place."""

PARAPHRASE = "Paraphrase this instruction, keeping its meaning: {instruction}"
