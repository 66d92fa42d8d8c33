"""Images from files into messages, and from messages into models and dataset files.

Loading is where user data goes wrong (a missing file, a path that leaves the image folder, a text file named
`.jpg`, a truncated download, a 20,000-pixel scan), so every check raises a `RowError` with a stable `reason` that a
source records as a dropped item. The downscaling rule: an image whose longer side exceeds `max_side` is resized
(Lanczos) so that its longer side is `max_side`, keeping the aspect ratio, and re-encoded in its own format (PNG
for formats Pillow cannot write); the message then refers to the downscaled bytes. Images over `MAX_PIXELS`
(Pillow's own decompression-bomb threshold) or `MAX_FILE_BYTES` are refused before they are decoded.

Pillow is imported inside the functions, so that importing synthloom stays fast.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from synthloom.data import RowError
from synthloom.messages import Image

MAX_SIDE = 2048
MAX_PIXELS = 89_478_485
MAX_FILE_BYTES = 64 * 1024 * 1024
_WRITABLE = {"PNG", "JPEG", "WEBP", "GIF", "BMP", "TIFF"}


def image_path(root: Path, name: str, where: str) -> Path:
    """`name` inside `root`; a name that resolves outside it (`../x.jpg`, `/etc/x.png`, a symlink out) is refused."""
    base = root.resolve()
    path = (base / name).resolve()
    if not path.is_relative_to(base):
        raise RowError("image_outside_folder", f"image {name!r} is outside the image folder {str(root)!r}",
                       where=where, hint="image paths are relative to the image folder and stay inside it")
    return path


def load_image(path: Path, *, max_side: int = MAX_SIDE, where: str = "") -> Image:
    """The image in `path` as a message `Image` (bytes, mime, width, height), downscaled by the module's rule."""
    where = where or str(path)
    if not path.is_file():
        raise RowError("image_missing", f"image file {str(path)!r} does not exist", where=where)
    if path.stat().st_size > MAX_FILE_BYTES:
        raise RowError("image_too_large", f"image file {str(path)!r} has {path.stat().st_size:,} bytes, more than "
                       f"{MAX_FILE_BYTES:,}", where=where)
    return image_from_bytes(path.read_bytes(), max_side=max_side, where=where)


def image_from_bytes(data: bytes, *, max_side: int = MAX_SIDE, where: str = "") -> Image:
    """Decode `data` fully (so that a truncated file fails here, not inside a model call) and apply the rules."""
    from PIL import Image as PILImage
    from PIL import UnidentifiedImageError

    try:
        picture = PILImage.open(io.BytesIO(data))
    except UnidentifiedImageError:
        raise RowError("not_an_image", "the file is not an image Pillow can read", where=where) from None
    fmt = picture.format or "PNG"
    width, height = picture.size
    if width * height > MAX_PIXELS:
        raise RowError("image_too_large", f"the image has {width}x{height} pixels, more than {MAX_PIXELS:,}",
                       where=where, hint="downscale it before loading")
    try:
        picture.load()
    except (OSError, SyntaxError, ValueError) as error:
        raise RowError("corrupt_image", f"the {fmt} image cannot be decoded: {error}", where=where) from None
    if max(width, height) > max_side:
        scale = max_side / max(width, height)
        picture = picture.resize((max(1, round(width * scale)), max(1, round(height * scale))),
                                 PILImage.Resampling.LANCZOS)
        fmt = fmt if fmt in _WRITABLE else "PNG"
        if fmt == "JPEG" and picture.mode not in ("RGB", "L"):
            picture = picture.convert("RGB")
        out = io.BytesIO()
        picture.save(out, format=fmt)
        data, (width, height) = out.getvalue(), picture.size
    mime = PILImage.MIME.get(fmt, "image/png")
    return Image.from_bytes(data, mime=mime).model_copy(update={"width": width, "height": height})


def to_pil(image: Image) -> Any:
    """The image as an RGB PIL image, as vision-language processors take it."""
    from PIL import Image as PILImage

    if image.data is None:
        raise ValueError(f"image {image.sha256[:12]} was loaded without its bytes")
    return PILImage.open(io.BytesIO(image.data)).convert("RGB")


def file_name(image: Image) -> str:
    """`<sha256>.<ext>`: the name an exported image gets, so that one image is written once however often used."""
    ext = image.mime.split("/")[-1].replace("jpeg", "jpg")
    return f"{image.sha256}.{ext}"


def has_images(value: Any) -> bool:
    if isinstance(value, Image):
        return True
    if isinstance(value, dict):
        return any(has_images(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(has_images(v) for v in value)
    return False


def externalize(value: Any, out: Path, *, embed: bool) -> Any:
    """`value` with every `Image` replaced as dataset files want it: embedded as `{"bytes", "path"}` (Parquet and
    `datasets` folders, the layout of the `datasets` Image feature), or written once into the folder
    `<out stem>_images/` beside `out` and named by its path relative to `out`'s folder (JSON and JSONL)."""
    if isinstance(value, Image):
        data = value.require_data()
        if embed:
            return {"bytes": data, "path": file_name(value)}
        folder = out.parent / f"{out.stem}_images"
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / file_name(value)
        if not target.exists():
            target.write_bytes(data)
        return f"{folder.name}/{target.name}"
    if isinstance(value, dict):
        return {k: externalize(v, out, embed=embed) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [externalize(v, out, embed=embed) for v in value]
    return value


IMAGE_COLUMNS = ("images", "image")


def decode_image_columns(dataset: Any, base: Path) -> Any:
    """A `datasets.Dataset` whose `images` / `image` column (file paths relative to `base`, or embedded
    `{"bytes", "path"}`) is cast to the `datasets` Image feature, which yields PIL images as TRL expects."""
    import datasets

    def image_feature(feature: Any) -> Any:
        if isinstance(feature, datasets.List):
            return datasets.List(image_feature(feature.feature))
        return datasets.Image()

    def absolute(row: dict[str, Any], column: str) -> dict[str, Any]:
        value = row[column]
        fix = (lambda v: str(base / v) if isinstance(v, str) else v)
        return {column: [fix(v) for v in value] if isinstance(value, list) else fix(value)}

    for column in IMAGE_COLUMNS:
        feature = dataset.features.get(column)
        if feature is None or isinstance(getattr(feature, "feature", feature), datasets.Image):
            continue
        dataset = dataset.map(absolute, fn_kwargs={"column": column})
        dataset = dataset.cast_column(column, image_feature(dataset.features[column]))
    return dataset
