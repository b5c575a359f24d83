"""The Scrapy project of policytrack: spiders that follow EU sources, pure parsers, pipelines.

Parsers (``spiders.parsers``) are pure functions — bytes in, validated items out — so that they
are tested without a crawler and reused by ``policytrack parse``. The spiders only decide what to
fetch; the pipelines tag topics and upsert into the store.
"""

# Every spider, in the order a crawl runs them: the machine interfaces first, so that the pages
# after them enrich dossiers that already exist. The one list the command line offers.
SPIDER_NAMES = ("cellar", "eurlex", "oeil", "ep_odp", "ep_press")
