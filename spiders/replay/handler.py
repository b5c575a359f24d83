"""A Scrapy download handler that fetches every URL from the local replay server instead.

Only the transport changes: the request keeps its URL and headers all through the middlewares
and the spider, and the response comes back under the original URL. A request the recording
lists as a gap ends as ``NotRecorded``: not a failure of the source, a limit of the recording.
"""

from __future__ import annotations

from urllib.parse import quote

from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response

from .server import NOT_RECORDED


class NotRecorded(IgnoreRequest):
    """The recording lists this request as asked by a live crawl but not recorded."""


class ReplayDownloadHandler(HTTP11DownloadHandler):
    def __init__(self, crawler) -> None:
        super().__init__(crawler)
        self.base = crawler.settings.get("POLICYTRACK_REPLAY_BASE", "").rstrip("/")

    async def download_request(self, request: Request) -> Response:
        local = request.replace(url=f"{self.base}/replay?url={quote(request.url, safe='')}")
        response = await super().download_request(local)
        if response.headers.get(NOT_RECORDED):
            raise NotRecorded(f"{request.url}: not in this recording (a gap it lists)")
        return response.replace(url=request.url)
