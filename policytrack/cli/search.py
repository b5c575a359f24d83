"""CLI verbs of this area (filled by its issue)."""

from __future__ import annotations

COMMANDS: list = []
