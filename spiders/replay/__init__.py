"""Offline replay of recorded responses, and recording of live crawls.

A recording is a folder with ``manifest.json`` (URL → file, content type, whether the response is
real or hand-made) and the response bodies. ``server.ReplayServer`` serves it on 127.0.0.1;
``handler.ReplayDownloadHandler`` sends every request of the crawl there, so the same spider
code runs end to end; ``record.RecordMiddleware`` writes a live crawl into a new recording.
"""

from policytrack.resources import package_folder

SHIPPED_RECORDING = package_folder("spiders", "replay", "recording")
