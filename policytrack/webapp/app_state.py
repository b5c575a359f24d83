"""What every route reads: the services, the page renderer, the rate limits, the backend pool."""

from __future__ import annotations

from dataclasses import dataclass, field

from starlette.requests import Request

from ..config import Settings
from .errors import Unavailable
from .ratelimit import Limits
from .render import Pages
from .services import BackendPool, Services


@dataclass
class State:
    services: Services
    pages: Pages
    limits: Limits
    _pool: BackendPool | None = field(default=None, repr=False)

    @property
    def settings(self) -> Settings:
        return self.services.settings

    @property
    def pool(self) -> BackendPool:
        if self._pool is None:
            raise Unavailable("the search index is not open (the app is starting or stopping)")
        return self._pool


def state_of(request: Request) -> State:
    state: State = request.app.state.policytrack
    return state


def client_key(request: Request) -> str:
    """Who is asking, for the rate limits: the client address the ASGI server reports."""
    return request.client.host if request.client else "unknown"
