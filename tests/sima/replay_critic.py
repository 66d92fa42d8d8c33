"""A critic for campaign tests, as a replay function: it reads the critic prompt it is given and answers like the
reference's demonstrations, preferring the shorter answer, and gives no verdict for questions that ask for one.
`SIMA_TEST_CRITIC_DELAY_S` slows each critique down, so that a test can kill a campaign while it critiques."""

from __future__ import annotations

import os
import time

from synthloom import GenerateRequest


def shorter(request: GenerateRequest) -> str:
    prompt = request.messages[-1].content
    [image] = request.messages[-1].images
    assert image.data, "the critic must see the image's bytes (also on messages read back from the store)"
    time.sleep(float(os.environ.get("SIMA_TEST_CRITIC_DELAY_S", "0")))
    task = prompt.split("Your task:")[-1]
    if "no verdict" in task:
        return "The reason: both answers are fine. The better AI generated response: [[ 1 ]]."
    one = task.split("AI generated response 1: [")[1].split("]\n")[0]
    two = task.split("AI generated response 2: [")[1].split("]\n")[0]
    return f"The reason: the shorter answer says less that is wrong. The better AI generated response: " \
           f"[[{1 if len(one) <= len(two) else 2}]]."
