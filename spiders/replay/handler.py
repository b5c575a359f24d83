"""A Scrapy download handler that fetches every URL from the local replay server instead.

Only the transport changes: the request keeps its URL and headers all through the middlewares
and the spider, and the response comes back under the original URL.
"""

from __future__ import annotations

from urllib.parse import quote

from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
from scrapy.http import Request, Response


class ReplayDownloadHandler(HTTP11DownloadHandler):
    def __init__(self, crawler) -> None:
        super().__init__(crawler)
        self.base = crawler.settings.get("POLICYTRACK_REPLAY_BASE", "").rstrip("/")

    async def download_request(self, request: Request) -> Response:
        local = request.replace(url=f"{self.base}/replay?url={quote(request.url, safe='')}")
        response = await super().download_request(local)
        return response.replace(url=request.url)
