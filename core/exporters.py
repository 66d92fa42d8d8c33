"""Exporters turn stored messages of one kind into dataset rows, and rows into files TRL can read.

Messages with a false `keep` field (items a filter dropped, stored so the reason stays queryable) are not
exported. TRL's conversational formats are the targets: SFT rows are `{"messages": [{"role", "content"}, ...]}` and
preference rows are `{"prompt": [...], "chosen": [...], "rejected": [...]}`. A message kind opts in by defining
`to_sft()` / `to_dpo()` or by having fields with those names.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable

from synthloom.errors import ConfigError, SynthloomError
from synthloom.messages import Message


def _fields_or_method(message: Message, method: str, fields: tuple[str, ...]) -> dict[str, Any]:
    if hasattr(message, method):
        return getattr(message, method)()
    if all(hasattr(message, f) for f in fields):
        return {f: getattr(message, f) for f in fields}
    raise SynthloomError(f"message kind {message.kind!r} cannot be exported as {method[3:].upper()}",
                         hint=f"define {method}() on the kind, or give it fields {', '.join(fields)}")


def trl_sft(messages: list[Message]) -> list[dict[str, Any]]:
    return [_fields_or_method(m, "to_sft", ("messages",)) for m in messages]


def trl_dpo(messages: list[Message]) -> list[dict[str, Any]]:
    return [_fields_or_method(m, "to_dpo", ("prompt", "chosen", "rejected")) for m in messages]


def rows(messages: list[Message]) -> list[dict[str, Any]]:
    return [{"id": m.id, "parents": m.parents, **m.payload()} for m in messages]


BUILTIN: dict[str, Callable[[list[Message]], list[dict[str, Any]]]] = {
    "trl-sft": trl_sft,
    "trl-dpo": trl_dpo,
    "rows": rows,
}


def load_messages(store_path: str | Path, kind: str, registry: Any, campaign: str | None = None,
                  agent: str | None = None) -> list[Message]:
    from synthloom.store import reading

    cls = registry.kinds.get(kind)
    if cls is None:
        raise ConfigError(f"unknown message kind {kind!r}",
                          hint=f"known kinds: {', '.join(sorted(registry.kinds))}")
    sql = "SELECT id, campaign, agent, parents, created_at, payload FROM messages WHERE kind = ?"
    params: list[Any] = [kind]
    if campaign:
        sql += " AND campaign = ?"
        params.append(campaign)
    if agent:
        sql += " AND agent = ?"
        params.append(agent)
    with reading(store_path) as con:
        found = con.execute(sql + " ORDER BY id", params).fetchall()
    loaded = [cls.model_validate({**json.loads(p), "id": i, "kind": kind, "campaign": c, "agent": a, "parents": pa,
                                "created_at": t}) for i, c, a, pa, t, p in found]
    return [m for m in loaded if getattr(m, "keep", True) is not False]


def write_rows(rows_: list[dict[str, Any]], path: str | Path) -> Path:
    """Write rows as JSONL (`.jsonl`), Parquet (`.parquet`), or a Hugging Face `datasets` folder (no suffix)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".jsonl":
        tmp = path.with_suffix(".jsonl.tmp")
        with tmp.open("w", encoding="utf-8") as out:
            for row in rows_:
                out.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")
        tmp.replace(path)
    elif path.suffix == ".parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        pq.write_table(pa.Table.from_pylist(rows_), path)
    elif path.suffix == "":
        import datasets

        datasets.Dataset.from_list(rows_).save_to_disk(str(path))
    else:
        raise ConfigError(f"cannot tell the output format of {str(path)!r}",
                          hint="use a .jsonl or .parquet file, or a folder name for a Hugging Face dataset")
    return path


def export(store_path: str | Path, kind: str, exporter: str, out: str | Path, registry: Any,
           campaign: str | None = None, agent: str | None = None) -> tuple[Path, int]:
    messages = load_messages(store_path, kind, registry, campaign, agent)
    produced = registry.exporter(exporter)(messages)
    return write_rows(produced, out), len(produced)
