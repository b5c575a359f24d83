"""Scrapy's and Twisted's own failure reports become one line: what, where, and the exception."""

import logging

from spiders.logs import OneLineFailures


def record(msg: str, exc: BaseException | None = None, args=()) -> logging.LogRecord:
    exc_info = (type(exc), exc, None) if exc else None
    return logging.LogRecord("scrapy.downloadermiddlewares.robotstxt", logging.ERROR, __file__, 1, msg, args, exc_info)


def test_a_traceback_becomes_the_exception_line():
    try:
        raise ConnectionRefusedError("Connection was refused by other side: 111")
    except ConnectionRefusedError as e:
        rec = record("Spider error processing %(request)s", e, ({"request": "<GET https://eur-lex.europa.eu/x>"},))
    rec.name = "scrapy.core.scraper"
    OneLineFailures().filter(rec)
    text = logging.Formatter().format(rec)
    assert text == (
        "Spider error processing <GET https://eur-lex.europa.eu/x>: "
        "ConnectionRefusedError: Connection was refused by other side: 111"
    )


def test_a_robots_txt_that_could_not_be_read_says_so():
    class Request:
        url = "https://eur-lex.europa.eu/EN/display-feed.rss?rssId=162"  # Scrapy names the page that waited

    rec = record(
        "Error downloading %(request)s: %(f_exception)s",
        TimeoutError("took longer than 60 seconds"),
        ({"request": Request(), "f_exception": "x"},),
    )
    OneLineFailures().filter(rec)
    assert rec.levelname == "WARNING" and logging.Formatter().format(rec) == (
        "robots.txt of eur-lex.europa.eu could not be read (TimeoutError: took longer than 60 seconds); "
        "crawled as if it allowed all"
    )


def test_a_traceback_written_into_the_message_keeps_its_first_and_last_lines():
    rec = record(
        'Unhandled error in Deferred:\nTraceback (most recent call last):\n  File "x", line 1\nValueError: bad'
    )
    OneLineFailures().filter(rec)
    assert logging.Formatter().format(rec) == "Unhandled error in Deferred: ValueError: bad"
