"""The Scrapy project of policytrack: spiders that follow EU sources, pure parsers, pipelines.

Parsers (``spiders.parsers``) are pure functions — bytes in, validated items out — so that they
are tested without a crawler and reused by ``policytrack parse``. The spiders only decide what to
fetch; the pipelines tag topics and upsert into the store.
"""
