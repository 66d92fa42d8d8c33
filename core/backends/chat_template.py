"""Turning chat messages into one prompt string for models that have no chat template of their own.

Base models (the embedded Gemma 3 270M among them) ship without a chat template, yet agents speak in chat
messages. The plain template below is the fallback: it is readable, stable (it is part of what the response cache
hashes, indirectly, through the backend's behaviour) and ends with an open assistant turn so that a base model
continues as the assistant:

    System: You are terse.
    User: Name a colour.
    Assistant: Red.
    User: Another one.
    Assistant:

Each message is `Role: content` on its own line(s); multi-line content is kept verbatim. The generation prompt is
`Assistant:` with no trailing space, because most tokenizers fold the space into the next word's token.
"""

from __future__ import annotations

from typing import Any, Sequence

from synthloom.backends.base import ChatMessage, GenerateRequest

ROLE_LABELS = {"system": "System", "user": "User", "assistant": "Assistant"}
GENERATION_PROMPT = "Assistant:"
# The stop string that keeps a base model from writing the user's next turn itself.
TURN_STOP = "\nUser:"


def plain_chat_prompt(messages: Sequence[ChatMessage]) -> str:
    """The plain template: one `Role: content` block per message, then `Assistant:`."""
    lines = [f"{ROLE_LABELS[m.role]}: {m.content}" for m in messages]
    lines.append(GENERATION_PROMPT)
    return "\n".join(lines)


def render_chat(tokenizer: Any, messages: Sequence[ChatMessage]) -> tuple[str, list[str]]:
    """The prompt text for `messages`, and extra stop strings the template needs.

    Uses the tokenizer's own chat template when it has one (instruction-tuned models), else the plain template,
    which also asks to stop at the next `User:` turn.
    """
    if getattr(tokenizer, "chat_template", None):
        plain = [{"role": m.role, "content": m.content} for m in messages]
        text = tokenizer.apply_chat_template(plain, add_generation_prompt=True, tokenize=False)
        return text, []
    return plain_chat_prompt(messages), [TURN_STOP]


def prompt_token_ids(tokenizer: Any, request: GenerateRequest) -> tuple[list[int], tuple[str, ...]]:
    """The token ids of a request's prompt (chat rendered by `render_chat`), and the template's stop strings.

    A tokenizer's own chat template already writes its special tokens (BOS included), so they are only added for
    plain prompts and for the plain template.
    """
    if request.messages is None:
        return tokenizer(request.prompt or "", add_special_tokens=True)["input_ids"], ()
    text, stops = render_chat(tokenizer, request.messages)
    with_special = not getattr(tokenizer, "chat_template", None)
    return tokenizer(text, add_special_tokens=with_special)["input_ids"], tuple(stops)
