"""The Scrapy project of policytrack: spiders that follow EU sources, pure parsers, pipelines.

Parsers (``spiders.parsers``) are pure functions — bytes in, validated items out — so that they
are tested without a crawler and reused by ``policytrack parse``. The spiders only decide what to
fetch; the pipelines tag topics and upsert into the store.
"""

# Every spider, in the order a crawl runs them: the machine interfaces first (Cellar, the EP Open
# Data API: the backbone), then the pages that enrich what they found (EUR-Lex, OEIL — which
# also reads the procedures the EP API just stored — and the EP press service). When two sources
# describe the same item in one run the later one is stored (a full text is kept: see
# pipelines.keep_full_text). The one list the command line offers.
SPIDER_NAMES = ("cellar", "ep_odp", "eurlex", "oeil", "ep_press")
