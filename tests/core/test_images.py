"""Images from files into messages (checks and the downscaling rule) and out into dataset files."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from synthloom import Image, RowError, write_rows
from synthloom.images import MAX_PIXELS, image_from_bytes, image_path, load_image


def png(width: int, height: int, mode: str = "RGB", fmt: str = "PNG") -> bytes:
    from PIL import Image as PILImage

    out = io.BytesIO()
    PILImage.new(mode, (width, height), color=0).save(out, format=fmt)
    return out.getvalue()


def test_small_images_keep_their_bytes_and_get_their_size() -> None:
    data = png(40, 30)
    image = image_from_bytes(data)
    assert (image.data, image.mime, image.width, image.height) == (data, "image/png", 40, 30)
    assert image == Image.from_bytes(data).model_copy(update={"width": 40, "height": 30})


@pytest.mark.parametrize("fmt, mime", [("PNG", "image/png"), ("JPEG", "image/jpeg"), ("GIF", "image/gif")])
def test_the_longer_side_is_downscaled_to_max_side_in_the_same_format(fmt: str, mime: str) -> None:
    image = image_from_bytes(png(300, 120, "RGB" if fmt != "GIF" else "P", fmt), max_side=100)
    assert (image.width, image.height, image.mime) == (100, 40, mime)
    assert image_from_bytes(image.data).width == 100  # the message refers to the downscaled bytes


def test_images_past_the_pixel_limit_are_refused_before_decoding() -> None:
    side = int(MAX_PIXELS ** 0.5) + 1
    with pytest.raises(RowError) as error:
        image_from_bytes(png(side, side, mode="1"))  # 89 million black pixels in a few kilobytes
    assert error.value.reason == "image_too_large"


@pytest.mark.parametrize("data, reason", [(b"not an image at all", "not_an_image"),
                                          (png(64, 64)[:60], "corrupt_image")])
def test_unreadable_bytes(data: bytes, reason: str) -> None:
    with pytest.raises(RowError) as error:
        image_from_bytes(data, where="rows.jsonl:3")
    assert error.value.reason == reason and error.value.where == "rows.jsonl:3"


def test_paths_stay_inside_the_image_folder(tmp_path: Path) -> None:
    (tmp_path / "images" / "sub").mkdir(parents=True)
    assert image_path(tmp_path / "images", "sub/a.png", "w") == (tmp_path / "images" / "sub" / "a.png").resolve()
    for name in ("../a.png", "/etc/passwd", "sub/../../a.png"):
        with pytest.raises(RowError) as error:
            image_path(tmp_path / "images", name, "w")
        assert error.value.reason == "image_outside_folder"
    with pytest.raises(RowError) as error:
        load_image(tmp_path / "images" / "missing.png")
    assert error.value.reason == "image_missing"


def test_rows_with_images_are_written_as_files_beside_json_and_embedded_elsewhere(tmp_path: Path) -> None:
    import datasets
    import pyarrow.parquet as pq

    image = image_from_bytes(png(8, 6))
    rows = [{"images": [image], "n": 1}, {"images": [image], "n": 2}]
    write_rows(rows, tmp_path / "out.jsonl")
    written = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert written[0]["images"] == [f"out_images/{image.sha256}.png"] == written[1]["images"]
    assert (tmp_path / written[0]["images"][0]).read_bytes() == image.data
    write_rows(rows, tmp_path / "out.parquet")
    assert pq.read_table(tmp_path / "out.parquet").to_pylist()[0]["images"][0]["bytes"] == image.data
    write_rows(rows, tmp_path / "folder")
    assert datasets.load_from_disk(str(tmp_path / "folder"))[1]["images"][0].size == (8, 6)
