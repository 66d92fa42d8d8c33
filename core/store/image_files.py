"""Image bytes as files beside the store, one file per content hash (`<store>.images/ab/abcdef...`).

DuckDB compresses a table's last, partly filled row group again at every checkpoint, and each flush checkpoints. A
row group holds at least 2,048 rows, so with photographs of a few hundred KB the last group was every image stored:
a campaign of 2,000 photographs read all of them back at each flush (peak RSS 1.1 GB, growing with the campaign).
A file written once costs nothing afterwards, and any tool can open it. The store keeps one `images` row per file
(hash, MIME type, size), and every connection `synthloom.store` opens sees them as the `blobs` view with a `data`
column read from the file, so SQL over images is the same in a store file and in a Ray run's shards.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

VIEW_SQL = "CREATE TEMP VIEW blobs AS SELECT sha256, mime, synthloom_image_bytes({folder}, sha256) AS data FROM images"
SIZES_SQL = "CREATE TEMP VIEW images AS SELECT sha256, mime, octet_length(data)::BIGINT AS size FROM blobs"


def folder_of(store: str | Path) -> Path:
    store = Path(store)
    return store.with_name(store.name + ".images")


class ImageFiles:
    """The image folder of one store file."""

    def __init__(self, store: str | Path) -> None:
        self.folder = folder_of(store)

    def path(self, sha256: str) -> Path:
        return self.folder / sha256[:2] / sha256

    def put(self, sha256: str, data: bytes) -> None:
        """Write the file unless it is there; a reader never sees half of one (written aside, synced, renamed)."""
        target = self.path(sha256)
        if target.exists():
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{sha256}.{os.getpid()}-{threading.get_ident()}.partial")
        with open(partial, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(partial, target)

    def get(self, sha256: str | None) -> bytes | None:
        """The bytes, or None where the file is missing (a store copied without its image folder)."""
        return _read(str(self.folder), sha256)


def _read(folder: str, sha256: str | None) -> bytes | None:
    if sha256 is None:
        return None
    try:
        return (Path(folder) / sha256[:2] / sha256).read_bytes()
    except FileNotFoundError:
        return None


def expose(con: Any, store: str | Path, tables: set[str]) -> None:
    """Give a connection to a store file both image relations every store has: `images` (hash, MIME type, size) and
    `blobs` (hash, MIME type, bytes). A version 3 store has the table `images`, and `blobs` reads the files; a
    version 2 store, read before its migration, has the table `blobs`, and `images` is derived from it."""
    if "images" in tables:
        import duckdb

        try:  # once per DuckDB instance: functions belong to the database, not to the connection
            con.create_function("synthloom_image_bytes", _read, ["VARCHAR", "VARCHAR"], "BLOB",
                                null_handling="special")
        except duckdb.CatalogException:
            pass
        con.execute(VIEW_SQL.format(folder="'" + str(folder_of(store)).replace("'", "''") + "'"))
    elif "blobs" in tables:
        con.execute(SIZES_SQL)
