"""MCTune's meta-instruction and prompt template, verbatim from the reference (tianyi-lab/mctune:
`prepare_data.py` builds the meta-instruction from `utils.make_tag_description`; `train.py` and `eval.py` share
`PROMPT_DICT`). Tags are always appended to the input, so the with-input template is the one every example uses."""

from __future__ import annotations

TAG_DESCRIPTION = (
    "[t_word] for the total number of words; "
    "[n_noun] for the total number of nouns; "
    "[n_verb] for the total number of verbs; "
    "[n_adj] for the total number of adjectives; "
    "[t_uword] for the total number of unique words; "
    "[n_unoun] for the total number of unique nouns; "
    "[n_uverb] for the total number of unique verbs; "
    "[n_uadj] for the total number of unique adjectives; "
    "[simp_ttr] for the simple type-token ratio; "
    "[simp_noun_var] for simple noun variation; "
    "[simp_verb_var] for simple verb variation; "
    "[simp_adj_var] for simple adjective variation; "
    "[fkre] for the Flesch-Kincaid Reading Ease; "
    "[rt_average] for the average reading time."
)

META_INSTRUCTION = (
    "Below is an instruction that describes a task, paired with an input that provides further context. "
    "At the end of the input, there will be a list of tags specifying the desired properties of the response. "
    f"The following tags are available: {TAG_DESCRIPTION} "
    "Write a response that appropriately completes the request and satisfies the tags."
)

PROMPT_INPUT = "{meta_instruction}\n\n### Instruction:\n{instruction}\n\n### Input:\n{input}\n\n### Response:\n"


def render(instruction: str, tagged_input: str, meta_instruction: str = META_INSTRUCTION) -> str:
    """The prompt a model is trained on and asked with; the response follows it directly."""
    return PROMPT_INPUT.format(meta_instruction=meta_instruction, instruction=instruction, input=tagged_input)
