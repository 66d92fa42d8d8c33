"""A sample set as HTML: one expandable row per sample (`<details>`, so it opens without any script), holding the
sample's lineage: each message's fields, its images and the model calls that produced it, prompts and replies.

Every value is escaped here; images are `data:` URLs of the store's own blobs, of raster types only.
"""

from __future__ import annotations

import json
from typing import Any

from synthloom.report.blocks import text
from synthloom.report.lineage import Call, Step, clip
from synthloom.report.samples import SampleSet, image_refs

SUMMARY_FIELDS = 4      # fields shown in a collapsed row
SUMMARY_CHARS = 160


def samples_html(samples: SampleSet) -> str:
    target = samples.target
    source = f" from agent {target.agent}" if target.agent else ""
    shown = f"showing {len(samples.rows):,} of {samples.total:,}" if samples.total > len(samples.rows) \
        else f"{samples.total:,} in all"
    head = (f'<h3>{text(target.kind)}{text(source)} <span class="muted">({shown}; {text(target.why)})</span></h3>')
    if not samples.rows:
        return f'<div class="samples">{head}<p class="note">none</p></div>'
    rows = "".join(_row(step, samples) for step in samples.rows)
    return (f'<div class="samples">{head}<input type="search" class="filter" placeholder="filter these rows" '
            f'aria-label="filter {text(target.kind)} rows"><div class="sample-list">{rows}</div></div>')


def _row(step: Step, samples: SampleSet) -> str:
    fields = "".join(f'<span class="cell"><b>{text(name)}</b> {text(_short(value))}</span>'
                     for name, value in list(step.payload.items())[:SUMMARY_FIELDS])
    chain = "".join(_step(s, samples.images) for s in samples.lineage.get(step.id, [step]))
    return (f'<details class="sample" data-id="{text(step.id)}"><summary><span class="sid">{text(step.id[:10])}'
            f'</span>{fields}</summary><div class="lineage">{chain}</div></details>')


def _short(value: Any) -> str:
    shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return clip(" ".join(shown.split()), SUMMARY_CHARS)


def _step(step: Step, images: dict[str, str]) -> str:
    label = "this sample" if step.depth == 0 else f"{step.depth} step{'s' if step.depth > 1 else ''} back"
    fields = "".join(f"<dt>{text(name)}</dt><dd>{_value(value, images)}</dd>" for name, value in step.payload.items())
    calls = "".join(_call(call) for call in step.calls)
    return (f'<div class="step" data-depth="{step.depth}"><div class="step-head"><b>{text(step.kind)}</b> by '
            f'{text(step.agent)} · {text(label)} · <code>{text(step.id)}</code> · {text(step.created_at)}</div>'
            f"<dl>{fields}</dl>{calls}</div>")


def _value(value: Any, images: dict[str, str]) -> str:
    refs = list(image_refs(value))
    if refs:
        return "".join(f'<img class="msg-image" alt="image {text(sha[:12])}" src="{images[sha]}">' if sha in images
                       else f'<span class="muted">image {text(sha[:12])} ({text(mime)}, not inlined)</span>'
                       for sha, mime in refs)
    if isinstance(value, str):
        return f"<pre>{text(clip(value))}</pre>"
    if isinstance(value, (dict, list)):
        return f"<pre>{text(clip(json.dumps(value, ensure_ascii=False, indent=1, default=str)))}</pre>"
    return text(value)


def _call(call: Call) -> str:
    facts = [call.model, call.op, f"{call.prompt_tokens:,} + {call.completion_tokens:,} tokens",
             "cached" if call.cached else f"{call.latency_ms:,.0f} ms"]
    error = f'<p class="error">{text(call.error)}</p>' if call.error else ""
    return (f'<div class="call"><div class="call-head">model call · {text(" · ".join(facts))}</div>{error}'
            f'<div class="prompt"><span class="muted">prompt</span><pre>{text(call.prompt)}</pre></div>'
            f'<div class="reply"><span class="muted">reply</span><pre>{text(call.reply)}</pre></div></div>')
