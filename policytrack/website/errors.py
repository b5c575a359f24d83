"""Errors of the site builder (part of the ``PolicytrackError`` family)."""

from __future__ import annotations

from ..errors import PolicytrackError


class SiteError(PolicytrackError):
    """The site cannot be built: a missing template folder, an unwritable output, Pagefind failing."""
