"""The static site: briefing notes, recommendations, dossiers and documents as HTML pages.

``build_site(BuildOptions(...))`` builds the whole model once (``sitemodel``), lists the pages
(``pages``), renders what changed (``builder``, ``render``, ``incremental``), writes feeds,
calendar, sitemap and exports (``outputs``) and runs the client-side search index (``search``).
"""

from .builder import BuildOptions, BuildResult, build_site
from .errors import SiteError

__all__ = ["BuildOptions", "BuildResult", "SiteError", "build_site"]
