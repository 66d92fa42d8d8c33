"""ProbDiff's prompts, verbatim from the reference code (xiatingyu/ProbDiff, no licence: quoted because the method
is defined by them), and the scoring prefixes its `get_loglikehood.py` hard-codes per model family.

`REWRITER` is the "Response Rewriter" of `alpaca_eval/vllm_modify.py` (identical in `mtbench/`, `alignbench/` and
`generation_task/vllm_modify.py`), note the space after `#Given Response#.` on its fourth line and the newline after
`#Rewritten Response#:`. `REWRITER_TRANSLATION` is `generation_task/vllm_modify_translation.py`'s variant.
"""

from __future__ import annotations

REWRITER = (
    "I want you to act as a Response Rewriter.\n"
    "Your goal is to enhance the quality of the response given by an AI assistant to the #Given Prompt# through "
    "rewriting.\n"
    "But the rewritten response must be reasonable and must be understood by humans.\n"
    "Your rewriting cannot omit the non-text parts such as the emoji in #Given Prompt# and #Given Response#. \n"
    "If you think the response is already great enough, you can keep it unchanged.\n"
    "You should try your best not to change the length of the response.\n"
    "'#Given Response#', '#Rewritten Response#', 'given response' and 'rewritten response' are not allowed to "
    "appear in #Rewritten Response#.\n"
    "#Given Prompt#:\n{instruction}\n#Given Response#:\n{response}\n#Rewritten Response#:\n"
)

REWRITER_TRANSLATION = (
    "I want you to act as a Response Rewriter.\n"
    "Your goal is to enhance the quality of the response given by an AI assistant to the #Given Prompt# through "
    "rewriting.\n"
    "But the rewritten response must be reasonable and must be understood by humans.\n"
    "Your rewriting cannot omit the non-text parts such as the table and the code in #Given Prompt# and "
    "#Given Response#. \n"
    "Also, please do not omit the input in #Given Prompt#.\n"
    "You Should enhance the quality of the response using the following method:\n"
    "Please make the Response more relevant to #Given Prompt#.\n"
    "You should try your best not to make the #Rewritten Response# become verbose.\n"
    "'#Given Response#', '#Rewritten Response#', 'given response' and 'rewritten response' are not allowed to "
    "appear in #Rewritten Response#.\n"
    "#Given Prompt#:\n{instruction}\n#Given Response#:\n{response}\n#Rewritten Response#:\n"
)

REWRITERS = {"default": REWRITER, "translation": REWRITER_TRANSLATION}

# The prefixes `alpaca_eval/get_loglikehood.py` scores after, chosen there by a substring of the model's path
# ("WizardLM", "tulu", "Yi", anything else); `chatml` adds the system turn of alignbench/ and generation_task/.
REFERENCE_PREFIXES = {
    "wizardlm": "USER:\n{query}\nASSISTANT:\n",
    "tulu": "<|user|>\n{query}\n<|assistant|>\n",
    "yi": "<|im_start|>user\n{query}<|im_end|>\n<|im_start|>assistant\n",
    "llama2": "[INST] {query} [/INST]",
    "chatml": "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n{query}<|im_end|>\n"
              "<|im_start|>assistant\n",
}


def rewrite_prompt(instruction: str, response: str, rewriter: str = "default") -> str:
    return REWRITERS[rewriter].format(instruction=instruction, response=response)
