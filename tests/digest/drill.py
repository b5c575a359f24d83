"""The crash drill: kill ``policytrack digest send`` at random moments, settle, count deliveries.

    .venv/bin/python tests/digest/drill.py [--runs 20] [--subscribers 12] [--seed 1]

Each run builds a fresh policytrack folder (the digest tests' corpus, N subscribers), starts a
real SMTP server (aiosmtpd on 127.0.0.1) that queues each message at its final "." and then
takes up to 40 ms to say so, runs the real program (``policytrack digest send`` in a child
process) and kills it with SIGKILL at a random moment between its first MAIL command and its
expected end. Then, in one of two modes:

* ``settle``: like an operator, ``digest settle --json`` lists the uncertain digests, each is
  looked up among the Message-IDs the server accepted (its mail log) and settled
  ``--delivered`` or ``--resend``; then ``digest send`` runs to the end.
* ``dedupe``: the server drops repeated Message-IDs (as Gmail does); nothing is looked up,
  ``digest send --resend-uncertain`` resends every uncertain digest.

Per subscriber the server must then hold exactly one digest: ``missed`` and ``duplicates``
count the subscribers with none and the extra copies. The ``old`` columns say what the same
kill would have cost when every ``sending`` row was uncertain and settled all together: resent
all (duplicates) or none (missed). The default suite runs a few of these
(``test_crash_drill.py``); docs/digest.md has a full run's table.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from policytrack.config import load_settings
from policytrack.digest.subscribers import Subscribers
from policytrack.store import Store

# Run as a script: the tests folder on the path for ``digest.conftest`` (after policytrack is
# imported: tests/policytrack would otherwise pass for a namespace package of that name).
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from digest.conftest import LocalController, Recorder, fill_store, write_notes

TOPICS = (["due-diligence"], ["circular-electronics"], ["public-procurement"], ["due-diligence", "public-procurement"])
MODES = ("settle", "dedupe")
SEND = ("digest", "send")


@dataclass
class Row:
    run: int
    mode: str
    kill_after_ms: int  # after the first MAIL command
    accepted_at_kill: int  # digests the server held when the sender died
    sending: int  # ledger rows in 'sending' after the kill
    resent_alone: int  # of those, never completed (no final "."): resent by the next run alone
    uncertain: int  # completed, no answer recorded: settled (or resent to a deduping server)
    missed: int
    duplicates: int
    old_duplicates: int  # every 'sending' row resent (old --resend-uncertain)
    old_missed: int  # no 'sending' row resent (old default)


def _policytrack(folder: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("POLICYTRACK_")}
    env["COLUMNS"] = "200"
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "from policytrack.cli import main; main()",
            "-c",
            str(folder / "policytrack.toml"),
            *args,
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    if check and done.returncode != 0:
        raise RuntimeError(f"policytrack {' '.join(args)} failed ({done.returncode}): {done.stdout}{done.stderr}")
    return done


def _folder(root: Path, port: int, subscribers: int) -> tuple[Path, set[str]]:
    """A policytrack folder with a store, notes and subscribers; the addresses."""
    folder = Path(tempfile.mkdtemp(dir=root))
    (folder / "policytrack.toml").write_text(
        '[project]\ndata_dir = "data"\n'
        '[site]\ncontent_dir = "content"\nbase_url = "https://tracker.example.org/"\n'
        f'[digest]\nsecret = "drill-only"\nsmtp_host = "127.0.0.1"\nsmtp_port = {port}\n',
        "utf-8",
    )
    now = datetime.now(UTC)
    write_notes(folder / "content", now)
    settings = load_settings(folder / "policytrack.toml", env={})
    emails = set()
    with fill_store(folder / "data" / "store.sqlite3", now) as store:
        book = Subscribers(store, settings)
        for i in range(subscribers):
            email = f"sub{i:02d}@example.org"
            book.add(now - timedelta(days=40), email=email, name=f"Sub {i}", topics=TOPICS[i % len(TOPICS)])
            emails.add(email)
    return folder, emails


def _server(**options: object) -> tuple[Recorder, LocalController]:
    recorder = Recorder(**options)  # type: ignore[arg-type]
    controller = LocalController(recorder, hostname="127.0.0.1", port=0)
    controller.start()
    return recorder, controller


def calibrate(root: Path, subscribers: int) -> float:
    """Seconds from the first MAIL command to the last message accepted, uninterrupted."""
    recorder, controller = _server(data_delay=0.04)
    try:
        folder, emails = _folder(root, controller.port, subscribers)
        proc = _sending(folder, recorder)
        first_mail = time.monotonic()
        proc.wait(300)
        if proc.returncode != 0 or Counter(recorder.recipients()) != Counter(emails):
            raise RuntimeError("the uninterrupted run must reach every subscriber once")
        return recorder.last_kept - first_mail
    finally:
        controller.stop()


def _sending(folder: Path, recorder: Recorder) -> subprocess.Popen:
    """``policytrack digest send`` in a child process, once its first MAIL reached the server."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("POLICYTRACK_")}
    program = [sys.executable, "-c", "from policytrack.cli import main; main()"]
    proc = subprocess.Popen(
        [*program, "-c", str(folder / "policytrack.toml"), *SEND],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    if not recorder.mail_seen.wait(120):
        proc.kill()
        raise RuntimeError("the sender never reached the SMTP server")
    return proc


def one_run(number: int, mode: str, rng: random.Random, root: Path, subscribers: int, span: float) -> Row:
    recorder, controller = _server(data_delay=0.04, dedupe=mode == "dedupe")
    try:
        folder, emails = _folder(root, controller.port, subscribers)
        proc = _sending(folder, recorder)
        delay = rng.uniform(0, span)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait(60)
        time.sleep(0.3)  # bytes already on the wire still reach the server
        accepted = recorder.accepted_ids()
        with Store(folder / "data" / "store.sqlite3") as store:
            sending = [e for e in store.ledger.entries() if e.state == "sending"]
        old_duplicates = sum(1 for e in sending if e.message_id in accepted)
        if mode == "settle":
            listed = json.loads(_policytrack(folder, "digest", "settle", "--json").stdout)
            for row in listed:
                verdict = "--delivered" if row["message_id"] in accepted else "--resend"
                _policytrack(folder, "digest", "settle", row["email"], verdict)
            _policytrack(folder, "digest", "send")
        else:
            _policytrack(folder, "digest", "send", "--resend-uncertain")
        got = Counter(recorder.recipients())
        return Row(
            run=number,
            mode=mode,
            kill_after_ms=round(delay * 1000),
            accepted_at_kill=len(accepted),
            sending=len(sending),
            resent_alone=sum(1 for e in sending if not e.handed_over),
            uncertain=sum(1 for e in sending if e.handed_over),
            missed=sum(1 for e in emails if got[e] == 0),
            duplicates=sum(n - 1 for n in got.values() if n > 1) + sum(n for e, n in got.items() if e not in emails),
            old_duplicates=old_duplicates,
            old_missed=len(sending) - old_duplicates,
        )
    finally:
        controller.stop()


def drill(runs: int, *, subscribers: int = 12, seed: int = 1, modes: tuple[str, ...] = MODES) -> list[Row]:
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory(prefix="pt-drill-") as tmp:
        root = Path(tmp)
        span = calibrate(root, subscribers)
        return [one_run(i, mode, rng, root, subscribers, span) for mode in modes for i in range(1, runs + 1)]


def _table(rows: list[Row]) -> str:
    cols = list(Row.__dataclass_fields__)
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    lines += ["| " + " | ".join(str(getattr(r, c)) for c in cols) + " |" for r in rows]
    for mode in sorted({r.mode for r in rows}):
        mine = [r for r in rows if r.mode == mode]
        totals = {c: sum(getattr(r, c) for r in mine) for c in cols if c not in ("run", "mode", "kill_after_ms")}
        lines.append(
            f"| **{len(mine)} runs** | **{mode}** | | "
            + " | ".join(f"**{totals[c]}**" for c in cols if c in totals)
            + " |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=20, help="kills per mode")
    parser.add_argument("--subscribers", type=int, default=12)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--mode", choices=MODES, action="append", help="default: both")
    args = parser.parse_args()
    started = time.monotonic()
    rows = drill(args.runs, subscribers=args.subscribers, seed=args.seed, modes=tuple(args.mode or MODES))
    print(_table(rows))
    print(
        f"\n{len(rows)} kills in {time.monotonic() - started:.0f} s (seed {args.seed}, {args.subscribers} subscribers)"
    )
    return 1 if any(r.missed or r.duplicates for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
