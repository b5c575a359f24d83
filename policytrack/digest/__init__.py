"""The weekly digest: subscribers, per-period content selection, rendering, SMTP sending, ledger.

``subscribers`` keeps who follows what; ``selection`` decides what a digest holds; ``render``
turns it into a multipart email; ``ledger`` records each (subscriber, period) so a digest is sent
exactly once; ``run`` builds and sends a whole run; ``smtp`` talks to the mail server.
"""

from __future__ import annotations
