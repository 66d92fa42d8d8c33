"""Typed messages: the only thing agents exchange, and the unit of storage, lineage and resume.

A message's id is derived from who produced it and from what (see `derive_id`), never from a clock or a counter,
so that a rerun or a resumed run produces the very same ids and the store can ignore what it already holds.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import typing
from datetime import datetime, timezone
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, field_validator

from synthloom.compact_json import compact_encoder

ID_LENGTH = 24


def _now() -> datetime:
    return datetime.now(timezone.utc)


class Image(BaseModel):
    """An image carried by a message.

    Rows keep only the content hash; the bytes go once into a file beside the store, however many messages refer to
    them. `data` is present on the message that introduces the image and on messages read back from the store.
    `width` and `height` (pixels) are set by `synthloom.images.load_image`, so that SQL can see an image's size
    without decoding it.
    """

    model_config = ConfigDict(frozen=True)

    sha256: str
    mime: str = "image/png"
    width: int | None = None
    height: int | None = None
    data: bytes | None = Field(default=None, exclude=True, repr=False)

    @classmethod
    def from_bytes(cls, data: bytes, mime: str = "image/png") -> "Image":
        return cls(sha256=hashlib.sha256(data).hexdigest(), mime=mime, data=data)

    def require_data(self) -> bytes:
        """The image's bytes; an image read back without them lost its file (a store moved without its folder)."""
        if self.data is None:
            raise ValueError(f"image {self.sha256[:12]} has no bytes: read messages back with "
                             "synthloom.store.load_messages, and keep the store's image folder (<store>.images/) "
                             "beside it")
        return self.data

    def data_url(self) -> str:
        return f"data:{self.mime};base64,{base64.b64encode(self.require_data()).decode()}"


class Message(BaseModel):
    """Base of every message kind.

    Subclasses set `kind` as a class-level default (`kind: str = "autoif.instruction"`) and add typed fields. The
    runtime fills `id`, `campaign`, `agent` and `created_at` when the producing agent emits the message; agents set
    `parents` (ids or messages) to record lineage.
    """

    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=False)

    kind: str = "message"
    id: str = ""
    campaign: str = ""
    agent: str = ""
    parents: list[str] = Field(default_factory=list)
    created_at: datetime = Field(default_factory=_now)

    BASE_FIELDS: ClassVar[tuple[str, ...]] = ("kind", "id", "campaign", "agent", "parents", "created_at")

    @field_validator("parents", mode="before")
    @classmethod
    def _parent_ids(cls, value: Any) -> list[str]:
        if value is None:
            return []
        if isinstance(value, (Message, str)):
            value = [value]
        return [v.id if isinstance(v, Message) else v for v in value]

    def payload(self) -> dict[str, Any]:
        """The kind-specific fields, as JSON-ready data (images as references)."""
        return self.model_dump(mode="json", exclude=set(self.BASE_FIELDS))

    def payload_json(self) -> str:
        """`payload()` as the JSON text the store keeps, serialised by pydantic in one step."""
        return self.model_dump_json(exclude=set(self.BASE_FIELDS))

    def images(self) -> list[Image]:
        """Every image reachable from this message's fields, for the store to save once by hash."""
        found: list[Image] = []
        for name in _image_fields(type(self)):
            _collect_images(getattr(self, name), found)
        return found

    @classmethod
    def kind_name(cls) -> str:
        return cls.model_fields["kind"].default


def carried_bytes(message: Message) -> int:
    """The bytes of the images a message carries (what it weighs in an inbox or a resumed backlog)."""
    if not _image_fields(type(message)):  # most kinds: every message passes here twice
        return 0
    return sum(len(image.data) for image in message.images() if image.data)


@functools.cache
def _image_fields(cls: type[BaseModel]) -> tuple[str, ...]:
    """The fields whose type can hold an image: the store asks every message for its images, and walking every
    field of every message cost more than the rest of storing it."""
    return tuple(name for name, field in cls.model_fields.items() if _may_hold_images(field.annotation, set()))


def _may_hold_images(annotation: Any, seen: set[type]) -> bool:
    if annotation is Any:
        return True
    origin = typing.get_origin(annotation)
    if origin is typing.Literal:
        return False
    if origin is not None:
        return any(_may_hold_images(arg, seen) for arg in typing.get_args(annotation) if arg is not Ellipsis)
    if annotation is None or annotation is type(None):
        return False
    if not isinstance(annotation, type):
        return True  # a forward reference or a type variable: it could be anything
    if issubclass(annotation, Image):
        return True
    if issubclass(annotation, BaseModel):
        if annotation in seen:
            return False
        seen.add(annotation)
        return any(_may_hold_images(f.annotation, seen) for f in annotation.model_fields.values())
    return annotation in (dict, list, tuple, set, frozenset, object)


def _collect_images(value: Any, found: list[Image]) -> None:
    if isinstance(value, Image):
        found.append(value)
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            _collect_images(getattr(value, name), found)
    elif isinstance(value, (list, tuple)):
        for item in value:
            _collect_images(item, found)
    elif isinstance(value, dict):
        for item in value.values():
            _collect_images(item, found)


class Failure(Message):
    """An input an agent could not handle. Recorded like any message, so failures are queryable and resumable."""

    kind: str = "failure"
    error_type: str
    error: str
    input_kind: str = ""


class Dropped(Message):
    """An item a stage decided not to pass on, and why: one kind for every plugin, so that one query answers "what
    was dropped, where, and why" in any campaign (`SELECT stage, reason, count(*) FROM dropped GROUP BY ALL`).

    `stage` names the step (usually the agent's role), `reason` is a short stable code (`duplicate`,
    `low_pass_rate`), `detail` says it in words with the numbers, and `subject` shows what was dropped (a short
    excerpt or an id). Every agent may emit it without declaring it in `produces`.
    """

    kind: str = "dropped"
    stage: str
    reason: str
    detail: str = ""
    subject: str = ""


class Record(Message):
    """A generic row of data (for example a line of a JSONL file) with free-form fields."""

    kind: str = "record"
    data: dict[str, Any] = Field(default_factory=dict)


_ENCODE_FOR_HASH = compact_encoder(sort_keys=True, default=str)
json_string = json.encoder.encode_basestring  # how `canonical_json` writes a string, for texts built by hand


def stable_hash(value: Any, length: int = ID_LENGTH) -> str:
    """A short hex digest of JSON-serialisable data, independent of dict ordering."""
    return hash_text(canonical_json(value), length)


def canonical_json(value: Any) -> str:
    """The JSON text `stable_hash` digests: compact, keys sorted, UTF-8 kept."""
    return _ENCODE_FOR_HASH(value)


def hash_text(text: str, length: int = ID_LENGTH) -> str:
    """`stable_hash` of a value whose `canonical_json` is `text` (for callers that keep the text too)."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:length]


def derive_id(campaign: str, agent: str, config_hash: str, kind: str, parents: list[str], ordinal: int,
              salt: str = "") -> str:
    """Deterministic message id: the same producer fed the same inputs emits the same ids on every run.

    `ordinal` numbers the messages one agent emits for one set of parents (or, for sources, within a round), so it
    does not depend on how inputs were batched.
    """
    # stable_hash([campaign, agent, config_hash, kind, sorted(parents), ordinal, salt]), the same bytes written
    # directly: every message takes this path, and the general encoder was a tenth of a replay campaign's time
    listed = ",".join(map(json_string, sorted(parents)))
    return hash_text(f"[{json_string(campaign)},{json_string(agent)},{json_string(config_hash)},{json_string(kind)},"
                     f"[{listed}],{int(ordinal)},{json_string(salt)}]", ID_LENGTH)

