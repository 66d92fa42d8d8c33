"""The DuckDB store: one file per campaign, written by one writer, read by anyone with SQL.

`connection` opens files (waiting out locks), `schema` holds the tables and the typed view per kind, `writer` the
campaign's only writer, `campaign_store` every query the runtime and exporters make, and `rows` how a stored row
becomes a typed message again. Importing this package does not import DuckDB.
"""

from synthloom.store.campaign_store import CampaignStore, load_messages
from synthloom.store.connection import connect, query, reading
from synthloom.store.rows import MESSAGE_COLUMNS, message_from_row
from synthloom.store.schema import SCHEMA_VERSION, view_name

__all__ = ["MESSAGE_COLUMNS", "SCHEMA_VERSION", "CampaignStore", "connect", "load_messages", "message_from_row",
           "query", "reading", "view_name"]
