"""An inbox is bounded by the image bytes it holds as well as by its message count, so that a campaign over
photographs holds a bounded number of them in memory whatever the campaign's size."""

from __future__ import annotations

from types import SimpleNamespace

from synthloom.graph import Wiring
from synthloom.messages import Image
from synthloom.nodes import IMAGE_BOUND, Node
from tests.core.agents_for_tests import Draw, Number, Picture, Sum

PHOTO = 4 * (IMAGE_BOUND // 20 + 1)  # bytes: four photographs stay under the bound, the fifth passes it


def _node(cls: type, batch_size: int = 2, concurrency: int = 1) -> Node:
    spec = SimpleNamespace(name="sink", batch_size=batch_size, concurrency=concurrency)
    wiring = Wiring(name="sink", consumes=frozenset(), produces=frozenset(), inputs=None, after=[])
    return Node(SimpleNamespace(spec=spec, cls=cls, config=None), wiring, "hash")


def _picture(number: int) -> Picture:
    data = number.to_bytes(4, "big") * (PHOTO // 4)
    return Picture(image=Image.from_bytes(data), caption=f"photo {number}")


def test_image_bytes_fill_an_inbox_long_before_its_message_bound() -> None:
    node = _node(Draw)
    for number in range(4):
        node.put(_picture(number))
        assert not node.full()
    node.put(_picture(4))
    assert node.full() and len(node.inbox) == 5 < node.bound
    node.take(2)
    assert not node.full() and node.image_bytes == 3 * PHOTO


def test_messages_without_images_count_only_by_number() -> None:
    node = _node(Draw)
    for value in range(node.bound - 1):
        node.put(Number(value=value))
    assert not node.full() and node.image_bytes == 0
    node.put(Number(value=-1))
    assert node.full()


def test_an_inbox_always_takes_one_round_of_full_batches() -> None:
    node = _node(Draw, batch_size=4, concurrency=2)
    for number in range(7):
        node.put(_picture(number))
    assert node.image_bytes > IMAGE_BOUND and not node.full()
    node.put(_picture(7))
    assert node.full()


def test_a_barrier_takes_every_image_it_is_sent() -> None:
    node = _node(Sum)
    for number in range(8):
        node.put(_picture(number))
    assert not node.full()
