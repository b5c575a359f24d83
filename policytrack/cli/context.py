"""What every CLI verb shares: the settings, loaded once and only when a verb needs them.

Every verb that reads the settings works on a policytrack folder: one with a policytrack.toml
(here or in a parent folder), or the file named by ``--config`` / ``$POLICYTRACK_CONFIG``.
Elsewhere it refuses with one line, instead of creating ``./data`` in whatever folder it was
run from, or reading an empty store there. ``init`` and ``parse`` need no folder.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from ..config import Settings, load_settings, require_project
from ..store import Store


class AppContext:
    def __init__(self, config_file: Path | None) -> None:
        self.config_file = config_file
        self._settings: Settings | None = None

    def settings(self, overrides: Mapping[str, Mapping[str, Any]] | None = None) -> Settings:
        """The settings; ``overrides`` are this verb's command-line options (highest priority)."""
        require_project(self.config_file)
        if overrides:
            return load_settings(self.config_file, overrides=overrides)
        if self._settings is None:
            self._settings = load_settings(self.config_file)
        return self._settings

    def store(self, *, readonly: bool = False) -> Store:
        """The store, tagging with the configuration's topics (re-tagged if they changed)."""
        settings = self.settings()
        return Store(settings.store_path, readonly=readonly, topics=settings.topics)

    @staticmethod
    def now() -> datetime:
        return datetime.now(UTC)


pass_app = click.make_pass_decorator(AppContext)
