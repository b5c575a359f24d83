"""The one exception family of the policytrack package.

The CLI turns every ``PolicytrackError`` into one line on stderr and exit code 1;
anything else is a bug and keeps its traceback.
"""

from __future__ import annotations


class PolicytrackError(Exception):
    """Base of every error policytrack reports to a user."""


class IdentifierError(PolicytrackError, ValueError):
    """A CELEX number, ELI, OJ reference or procedure reference is malformed."""


class ValidationError(PolicytrackError, ValueError):
    """An item failed validation; the message names the field."""

    def __init__(self, kind: str, field: str, problem: str) -> None:
        self.kind = kind
        self.field = field
        self.problem = problem
        super().__init__(f"invalid {kind}: field '{field}' {problem}")


class ConfigError(PolicytrackError):
    """The configuration file, an environment variable or an option is wrong."""


class StoreError(PolicytrackError):
    """The embedded store cannot be opened or written."""


class ContentError(PolicytrackError):
    """A Markdown content file (briefing note, recommendation, research) is malformed."""


class TimestampError(PolicytrackError, ValueError):
    """A time without a time zone, or an empty period: ambiguous, so refused."""
