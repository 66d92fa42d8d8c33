"""Calling the `on_*` hooks: plugins observe a campaign, and an observer that raises never stops it."""

from __future__ import annotations

import logging
from typing import Any

logger = logging.getLogger("synthloom.observers")


class Observers:
    def __init__(self, plugin_manager: Any) -> None:
        self.pm = plugin_manager

    def notify(self, hook: str, **kwargs: Any) -> None:
        """Call each implementation of `hook` in turn; a raising one is logged against its plugin and skipped."""
        for impl in getattr(self.pm.hook, hook).get_hookimpls():
            try:
                impl.function(**{name: kwargs[name] for name in impl.argnames})
            except Exception as error:
                logger.warning("plugin %r failed in %s: %s: %s", self.pm.get_name(impl.plugin), hook,
                               type(error).__name__, error)
