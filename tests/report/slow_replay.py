"""A replay function that holds a campaign open, so that `synthloom view` can be watched against a running one.

While the file named by REPORT_TEST_GATE exists, judging items numbered GATED_FROM and up waits: the campaign
stores its first items, then stays running until the test removes the file.
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

from synthloom.backends.base import GenerateRequest
from synthloom.backends.replay import prompt_text

GATED_FROM = 20


def answer(request: GenerateRequest) -> str:
    text = prompt_text(request)
    if not text.startswith("Rate the response"):
        return "answer: " + text[:40]
    number = re.search(r"number (\d+)", text)
    gate = Path(os.environ.get("REPORT_TEST_GATE", "/nonexistent"))
    while number and int(number.group(1)) >= GATED_FROM and gate.exists():
        time.sleep(0.05)
    return "Score: 8"
