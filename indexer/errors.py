"""The indexer's exception family: one line for a person, never a backend stack trace."""

from __future__ import annotations

from policytrack.errors import PolicytrackError


class IndexerError(PolicytrackError):
    """The search index cannot be opened, written or reached (e.g. Elasticsearch is down)."""


class QueryError(IndexerError, ValueError):
    """A malformed query; ``position`` is the 0-based offset of the problem in the query text."""

    def __init__(self, problem: str, position: int, query: str = "") -> None:
        self.problem = problem
        self.position = position
        self.query = query
        super().__init__(f"bad query at position {position + 1}: {problem}")

    def pointer(self) -> str:
        """The query with a caret under the problem, for a terminal (two lines)."""
        text = self.query[:200].replace("\n", " ")
        return f"{text}\n{' ' * min(self.position, 200)}^"
