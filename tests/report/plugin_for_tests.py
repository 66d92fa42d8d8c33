"""A plugin module for the report's tests: a kind that carries an image, an agent that makes one per prompt, and two
report sections (one that works, one that raises)."""

from __future__ import annotations

import struct
import zlib
from typing import Any, Callable

import synthloom

SECTION_TITLE = "Pictures (test plugin)"


def png(rgb: tuple[int, int, int], size: int = 24) -> bytes:
    """A solid-colour PNG, written by hand so that the tests need no imaging library."""
    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))

    rows = b"".join(b"\x00" + bytes(rgb) * size for _ in range(size))
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


class Picture(synthloom.Message):
    kind: str = "reporttest.picture"
    caption: str
    image: synthloom.Image
    brightness: float


class MakePicture(synthloom.Agent):
    """One picture per prompt, its colour from the prompt's length."""

    name = "reporttest.picture"
    consumes = (synthloom.Prompt,)
    produces = (Picture,)

    def handle(self, batch: list[synthloom.Prompt], ctx: synthloom.Context) -> list[Picture]:
        out = []
        for prompt in batch:
            shade = (len(prompt.instruction) * 7) % 256
            out.append(Picture(parents=[prompt], caption=prompt.instruction,
                               image=synthloom.Image.from_bytes(png((shade, 90, 255 - shade))),
                               brightness=shade / 255))
        return out


def pictures(data: Any) -> list[Any]:
    if not data.count("reporttest.picture"):
        return []
    return [data.histogram("reporttest.picture", "brightness", "picture brightness"),
            data.table("SELECT agent, count(*) AS pictures FROM messages WHERE campaign = ? AND "
                       "kind = 'reporttest.picture' GROUP BY agent", [data.campaign]),
            "Made by the test plugin <b>not bold</b>."]


def broken(data: Any) -> list[Any]:
    raise RuntimeError("this section always fails")


@synthloom.hookimpl
def register_message_kinds(register: Callable[[type[synthloom.Message]], None]) -> None:
    register(Picture)


@synthloom.hookimpl
def register_agents(register: Callable[[type[synthloom.Agent]], None]) -> None:
    register(MakePicture)


@synthloom.hookimpl
def register_report_sections(register: Callable[..., None]) -> None:
    register(SECTION_TITLE, pictures)
    register("Broken (test plugin)", broken)
