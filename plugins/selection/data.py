"""Reading Alpaca-format data (a JSON list or JSONL of {instruction, input, output}) with located errors."""

from __future__ import annotations

import json
from pathlib import Path

from synthloom.errors import ConfigError
from synthloom.plugins.selection.engine import AlpacaItem

HINT = 'each sample must be an object with string fields "instruction", "output" and optionally "input"'


def _rows(path: Path) -> list[tuple[str, object]]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"data file {str(path)!r} does not exist") from None
    except UnicodeDecodeError as error:
        raise ConfigError(f"data file {str(path)!r} is not UTF-8: {error}") from None
    if text.lstrip().startswith("["):
        try:
            return [(f"{path}: item {i}", row) for i, row in enumerate(json.loads(text))]
        except json.JSONDecodeError as error:
            raise ConfigError(f"invalid JSON: {error.msg}", where=f"{path}:{error.lineno}") from None
    rows = []
    for number, line in enumerate(text.splitlines(), 1):
        if line.strip():
            try:
                rows.append((f"{path}:{number}", json.loads(line)))
            except json.JSONDecodeError as error:
                raise ConfigError(f"invalid JSON: {error.msg}", where=f"{path}:{number}") from None
    return rows


def read_alpaca(path: str | Path, limit: int | None = None) -> list[AlpacaItem]:
    """Samples in file order; a missing `input` is empty, as in the reference scripts."""
    items = []
    for where, row in _rows(Path(path))[:limit]:
        if not isinstance(row, dict):
            raise ConfigError("sample is not a JSON object", where=where, hint=HINT)
        fields = {"instruction": row.get("instruction"), "input": row.get("input", ""), "output": row.get("output")}
        bad = [name for name, value in fields.items() if not isinstance(value, str)]
        if bad:
            raise ConfigError(f"sample has no string field(s) {', '.join(bad)}", where=where, hint=HINT)
        items.append(AlpacaItem(**fields))  # type: ignore[arg-type]
    return items
