"""Reading data files and writing result files: the one reader and the one writer every plugin and command uses.

Readers of user data fail in ways users must be able to fix, so every error names the file and the line (or item)
and says what to do. A reader is either strict (the first bad row raises `ConfigError`) or tolerant (bad rows come
back as `RowError` values, which sources record as dropped items and go on). Writers are atomic: a result file
either holds everything or is not there, so an interrupted command never leaves a torn file for the next step.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator

from synthloom.errors import ConfigError

ROW_FORMATS = ".json (a list), .jsonl, or .parquet"


@dataclass(frozen=True)
class Row:
    """One row of a data file and where it came from (`file:line` for JSONL, `file: item N` for lists)."""

    where: str
    value: Any


class RowError(ConfigError):
    """A row that cannot be used. `reason` is a short stable code (the `reason` of a dropped item)."""

    def __init__(self, reason: str, message: str, *, where: str | None = None, hint: str | None = None) -> None:
        super().__init__(message, where=where, hint=hint)
        self.reason = reason


def check_readable(path: Path, what: str = "data file") -> None:
    """Raise a located ConfigError unless `path` is an existing, readable regular file."""
    if not path.exists():
        raise ConfigError(f"{what} {str(path)!r} does not exist",
                          hint="check the path; in a campaign, paths are relative to the campaign file")
    if path.is_dir():
        raise ConfigError(f"{what} {str(path)!r} is a directory, not a file", hint="name a file inside it")
    if not os.access(path, os.R_OK):
        raise ConfigError(f"{what} {str(path)!r} is not readable", hint="check its permissions")


def read_lines(path: Path) -> Iterator[tuple[int, str | None]]:
    """(line number, text) per line, None for a line that is not UTF-8, so that one bad byte costs one line. Read as
    they are used: a prompt file of a million lines held at once was 100 MB of a campaign's peak."""
    check_readable(path)
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, 1):
            try:
                yield number, raw.removesuffix(b"\n").decode("utf-8").rstrip("\r")
            except UnicodeDecodeError:
                yield number, None


def read_rows(path: str | Path, *, tolerant: bool = False, objects: bool = True) -> Iterator[Row | RowError]:
    """Every row of a JSON list, JSONL or Parquet file, in file order.

    `objects`: rows must be JSON objects. Strict readers raise at the first unusable row; tolerant ones yield a
    `RowError` for it and go on (a broken JSON *list* cannot be read past its error, so it raises either way).
    """
    path = Path(path)
    check_readable(path)
    if path.suffix == ".parquet":
        rows: Iterable[Row | RowError] = _parquet_rows(path)
    elif _starts_with_bracket(path):
        rows = _json_list_rows(path)
    else:
        rows = _jsonl_rows(path)
    for row in rows:
        if isinstance(row, Row) and objects and not isinstance(row.value, dict):
            row = RowError("not_an_object", f"row is a JSON {type(row.value).__name__}, not an object",
                           where=row.where, hint="each row must be a JSON object with named fields")
        if isinstance(row, RowError) and not tolerant:
            raise row
        yield row


def _starts_with_bracket(path: Path) -> bool:
    with path.open("rb") as handle:
        head = handle.read(4096).lstrip(b"\xef\xbb\xbf \t\r\n")
    return head.startswith(b"[")


def _decode(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise ConfigError(f"data file {str(path)!r} is not UTF-8 text: {error}",
                          hint="convert it to UTF-8, or use JSONL so that one bad line costs one row") from None


def _json_list_rows(path: Path) -> Iterator[Row]:
    text = _decode(path)
    try:
        values = json.loads(text)
    except json.JSONDecodeError as error:
        raise ConfigError(f"invalid JSON list: {error.msg} (column {error.colno})", where=f"{path}:{error.lineno}",
                          hint="the file starts with '[' so it is read as one JSON list; a truncated or hand-edited "
                               "list fails here") from None
    if not isinstance(values, list):
        raise ConfigError("the file starts with '[' but is not a JSON list", where=str(path))
    for index, value in enumerate(values):
        yield Row(f"{path}: item {index}", value)


def _jsonl_rows(path: Path) -> Iterator[Row | RowError]:
    for number, line in read_lines(path):
        where = f"{path}:{number}"
        if line is None:
            yield RowError("not_utf8", "the line is not UTF-8", where=where)
        elif line.strip():
            try:
                yield Row(where, json.loads(line))
            except json.JSONDecodeError as error:
                yield RowError("invalid_json", f"invalid JSON: {error.msg} (column {error.colno})", where=where,
                               hint="each line of a .jsonl file must be one JSON value")


def _parquet_rows(path: Path) -> Iterator[Row]:
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(str(path))
    except Exception as error:  # pyarrow raises several unrelated types for a damaged file
        raise ConfigError(f"cannot read Parquet file {str(path)!r}: {error}",
                          hint="the file is not Parquet or is damaged") from None
    index = 0
    for batch in parquet.iter_batches(batch_size=4096):
        for value in batch.to_pylist():
            yield Row(f"{path}: row {index}", value)
            index += 1


def write_rows(rows: Iterable[dict[str, Any]], path: str | Path) -> Path:
    """Write rows atomically as JSONL (`.jsonl`), a JSON list (`.json`), Parquet (`.parquet`), or a Hugging Face
    `datasets` folder (no suffix). NaN is written as null in JSON, never as the invalid token NaN. Rows holding
    `Image` values get them as `synthloom.images.externalize` says (files beside JSON, embedded elsewhere)."""
    path = Path(path)
    if path.suffix not in (".jsonl", ".json", ".parquet", ""):
        raise ConfigError(f"cannot tell the output format of {str(path)!r}",
                          hint="use .jsonl, .json or .parquet, or a folder name for a Hugging Face dataset")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ConfigError(f"cannot create the folder of {str(path)!r}: {error.strerror}",
                          hint="choose an output path in a writable folder") from None
    rows = _with_images(rows, path)
    if path.suffix == "":
        return _write_dataset_folder(list(rows), path)
    handle, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    tmp = Path(tmp_name)
    try:
        if path.suffix == ".parquet":
            os.close(handle)
            import pyarrow as pa
            import pyarrow.parquet as pq

            pq.write_table(pa.Table.from_pylist(list(rows)), str(tmp))
        else:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                _write_json(rows, out, as_list=path.suffix == ".json")
                out.flush()
                os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def _with_images(rows: Iterable[dict[str, Any]], path: Path) -> Iterable[dict[str, Any]]:
    from synthloom.images import externalize, has_images

    embed = path.suffix in (".parquet", "")
    return (externalize(row, path, embed=embed) if has_images(row) else row for row in rows)


def _write_json(rows: Iterable[dict[str, Any]], out: Any, *, as_list: bool) -> None:
    if as_list:
        json.dump([_json_safe(r) for r in rows], out, ensure_ascii=False, indent=1, default=str, allow_nan=False)
        out.write("\n")
        return
    for row in rows:
        out.write(json.dumps(_json_safe(row), ensure_ascii=False, default=str, allow_nan=False) + "\n")


def _json_safe(value: Any) -> Any:
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, float) and value in (float("inf"), float("-inf")):
        return None
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    return value


def _write_dataset_folder(rows: list[dict[str, Any]], path: Path) -> Path:
    import datasets

    from synthloom.images import decode_image_columns

    with output_folder(path) as tmp:
        decode_image_columns(datasets.Dataset.from_list(rows), path.parent).save_to_disk(str(tmp))
    return path


@contextlib.contextmanager
def output_folder(path: str | Path) -> Iterator[Path]:
    """A hidden folder beside `path` to write into; it replaces `path` only when the block ends without error, so a
    killed or failed writer (a training run, an export) never leaves a half-written folder under the real name."""
    path = Path(os.path.normpath(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", dir=path.parent))
    os.chmod(tmp, 0o755)  # mkdtemp's 0700 would stay on the published folder
    try:
        yield tmp
        shutil.rmtree(path, ignore_errors=True)
        os.replace(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
