"""synthloom: plugin-based synthesis and curation of LLM training data.

`import synthloom` is all a plugin author needs: the names in `__all__` are the author's API (docs/plugins.md and
docs/reference.md describe each). They are imported on first use, so that `synthloom --help` and importing a plugin
stay fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_API = {
    "hookimpl": "synthloom.hookspecs",
    "Agent": "synthloom.agents",
    "AgentConfig": "synthloom.agents",
    "SourceConfig": "synthloom.agents",
    "DataFile": "synthloom.agents",
    "OutputPath": "synthloom.agents",
    "Message": "synthloom.messages",
    "Image": "synthloom.messages",
    "Dropped": "synthloom.messages",
    "Context": "synthloom.context",
    "GenerateRequest": "synthloom.backends.base",
    "GenerateResponse": "synthloom.backends.base",
    "ChatMessage": "synthloom.backends.base",
    "ScoreRequest": "synthloom.backends.base",
    "ScoreResponse": "synthloom.backends.base",
    "Generation": "synthloom.backends.base",
    "ModelSpec": "synthloom.backends.base",
    "BackendType": "synthloom.backends.registration",
    "CannotScoreError": "synthloom.errors",
    "SamplingConfig": "synthloom.sampling",
    "ItemError": "synthloom.errors",
    "ConfigError": "synthloom.errors",
    "run_campaign": "synthloom.runner",
    "RunSummary": "synthloom.summary",
    "Prompt": "synthloom.plugins.basic.kinds",
    "read_rows": "synthloom.data",
    "FileSourceConfig": "synthloom.file_source",
    "messages_from_file": "synthloom.file_source",
    "write_rows": "synthloom.data",
    "output_folder": "synthloom.data",
    "Row": "synthloom.data",
    "RowError": "synthloom.data",
    "query": "synthloom.store.connection",
    "ModelSession": "synthloom.model_session",
    "ModelClient": "synthloom.model_client",
    "model_options": "synthloom.cli.model_option",
    "spec_from_arg": "synthloom.cli.model_option",
    "sampling_options": "synthloom.cli.model_option",
}

__all__ = sorted(_API)

if TYPE_CHECKING:
    from synthloom.agents import Agent, AgentConfig, DataFile, OutputPath, SourceConfig
    from synthloom.backends.base import (
        ChatMessage,
        GenerateRequest,
        GenerateResponse,
        Generation,
        ModelSpec,
        ScoreRequest,
        ScoreResponse,
    )
    from synthloom.backends.registration import BackendType
    from synthloom.cli.model_option import model_options, sampling_options, spec_from_arg
    from synthloom.context import Context
    from synthloom.data import Row, RowError, output_folder, read_rows, write_rows
    from synthloom.errors import CannotScoreError, ConfigError, ItemError
    from synthloom.file_source import FileSourceConfig, messages_from_file
    from synthloom.hookspecs import hookimpl
    from synthloom.messages import Dropped, Image, Message
    from synthloom.model_client import ModelClient
    from synthloom.model_session import ModelSession
    from synthloom.plugins.basic.kinds import Prompt
    from synthloom.runner import run_campaign
    from synthloom.sampling import SamplingConfig
    from synthloom.store.connection import query
    from synthloom.summary import RunSummary


def __getattr__(name: str) -> Any:
    if name not in _API:
        try:  # a subpackage not imported yet (`synthloom.store`), as a plain `import synthloom` user expects
            return importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as missing:
            if missing.name != f"{__name__}.{name}":
                raise
            raise AttributeError(f"module 'synthloom' has no attribute {name!r}") from None
    value = getattr(importlib.import_module(_API[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
