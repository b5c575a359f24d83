"""The crawling spiders, one per source. They decide what to fetch; ``spiders.parsers`` extract."""
