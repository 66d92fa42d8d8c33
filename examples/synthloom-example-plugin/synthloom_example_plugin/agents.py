"""The agents of the example_plugin plugin: thin, batched, and built on the pure rules in `parsing`."""

from __future__ import annotations

import synthloom
from synthloom_example_plugin.kinds import Paraphrase
from synthloom_example_plugin.parsing import clean_paraphrase
from synthloom_example_plugin.prompts import PARAPHRASE


class ParaphraseConfig(synthloom.SamplingConfig.with_defaults(temperature=0.7, max_tokens=128)):
    """The agent's parameters: the `with:` block of the campaign file, validated before anything runs. The sampling
    fields (samples, temperature, top_p, max_tokens) come from synthloom.SamplingConfig."""

    template: str = PARAPHRASE


class Paraphraser(synthloom.Agent):
    """Paraphrases prompts with the agent's model, a whole batch per model call."""

    name = "example_plugin.paraphrase"
    consumes = (synthloom.Prompt,)
    produces = (Paraphrase,)
    Config = ParaphraseConfig
    batch_size = 32

    async def handle(self, batch: list[synthloom.Prompt], ctx: synthloom.Context) -> list[synthloom.Message]:
        cfg = self.config
        # Seeding by the input's id keeps sampling reproducible however inputs are batched or resumed.
        requests = [cfg.request(cfg.template.format(instruction=p.instruction), seed=ctx.seed_for(p.id))
                    for p in batch]
        responses = await ctx.model().generate(requests)
        out: list[synthloom.Message] = []
        for prompt, response in zip(batch, responses):
            for reply in response.texts():
                text = clean_paraphrase(reply)
                if text is None:
                    out.append(synthloom.Dropped(parents=[prompt], stage="paraphrase", reason="empty_reply",
                                                 detail="the model's reply has no text", subject=prompt.instruction))
                else:
                    out.append(Paraphrase(parents=[prompt], instruction=prompt.instruction, paraphrase=text))
        return out
