"""Scrapy settings of the policytrack project (``scrapy crawl NAME`` from the checkout root).

``spiders.run`` overrides the policytrack-specific ones from ``policytrack.toml``: User-Agent
with the contact address, download delay, AutoThrottle, HTTP cache, replay and record folders.
"""

BOT_NAME = "policytrack"
SPIDER_MODULES = ["spiders.spiders"]
NEWSPIDER_MODULE = "spiders.spiders"

# Polite and identifiable.
ROBOTSTXT_OBEY = True
USER_AGENT = "policytrack/0.1 (+https://github.com/policytrack/policytrack)"
DOWNLOAD_DELAY = 1.0
CONCURRENT_REQUESTS_PER_DOMAIN = 2
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 60.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
RETRY_ENABLED = True
RETRY_TIMES = 3  # Scrapy backs off between retries through the scheduler and AutoThrottle
RETRY_HTTP_CODES = [408, 429, 500, 502, 503, 504, 522, 524]
# The spider's errback reports a request that failed for good, in one line: not Scrapy too.
RETRY_GIVE_UP_LOG_LEVEL = "DEBUG"
DOWNLOAD_TIMEOUT = 60  # pages; feeds and SPARQL queries set their own (download_timeout)
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False

# Order matters for responses, which pass from the highest number to the lowest:
# challenge check (990, next to the download handler: before the HTTP cache at 900 can keep a
# challenge) → decompression (590) → conditional requests (580) → recorder (560, decoded bodies).
# Requests pass the other way: robots.txt (100) then the crawl delay (110), then a blocked host
# is refused (990) before anything is sent.
DOWNLOADER_MIDDLEWARES = {
    "spiders.middlewares.CrawlDelayMiddleware": 110,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "spiders.middlewares.RetryMiddleware": 550,
    "spiders.replay.record.RecordMiddleware": 560,
    "spiders.middlewares.ConditionalRequestMiddleware": 580,
    "spiders.middlewares.BotChallengeMiddleware": 990,
}
ITEM_PIPELINES = {
    "spiders.pipelines.StorePipeline": 800,
}

# Scrapy's own cache, for live crawls (RFC 2616: it revalidates with the servers' validators).
HTTPCACHE_ENABLED = False
HTTPCACHE_POLICY = "scrapy.extensions.httpcache.RFC2616Policy"
HTTPCACHE_DIR = "httpcache"

LOG_LEVEL = "WARNING"
FEED_EXPORT_ENCODING = "utf-8"
