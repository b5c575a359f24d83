"""Shared test set-up: the network is blocked, only loopback addresses can be contacted."""

from __future__ import annotations

import ipaddress
import os
import socket
import sys
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings

# Two busy cores in CI make per-example deadlines flaky; the example counts stay as written.
hypothesis_settings.register_profile("policytrack", deadline=None, print_blob=True)
hypothesis_settings.load_profile("policytrack")

REPO = Path(__file__).resolve().parent.parent
REAL_FIXTURES = REPO / "tests" / "fixtures" / "real"


def _is_loopback(address: object) -> bool:
    if isinstance(address, (str, bytes)):  # AF_UNIX paths
        return True
    host = address[0] if isinstance(address, tuple) and address else None
    if host in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False


class NetworkBlocked(RuntimeError):
    pass


_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


def _guarded_connect(self: socket.socket, address: object):
    if not _is_loopback(address):
        raise NetworkBlocked(f"tests may only contact loopback addresses, not {address!r}")
    return _real_connect(self, address)


def _guarded_connect_ex(self: socket.socket, address: object):
    if not _is_loopback(address):
        raise NetworkBlocked(f"tests may only contact loopback addresses, not {address!r}")
    return _real_connect_ex(self, address)


# A fresh clone has nothing beside it: a test that reads the project's reference folder
# (../shared) would pass here and fail there. Refuse it at once, whatever opens the file.
_OUTSIDE = str(REPO.parent / "shared")


def _refuse_reference_folder(event: str, args: tuple[object, ...]) -> None:
    if event == "open" and args and isinstance(args[0], (str, bytes, Path)):
        path = os.fsdecode(args[0]) if not isinstance(args[0], Path) else str(args[0])
        if os.path.abspath(path).startswith(_OUTSIDE + os.sep):
            raise PermissionError(f"tests must not read {path}: copy the fixture into tests/fixtures")


sys.addaudithook(_refuse_reference_folder)

# Installed at import, before any test module opens a connection; xdist workers import this too.
socket.socket.connect = _guarded_connect  # type: ignore[method-assign]
socket.socket.connect_ex = _guarded_connect_ex  # type: ignore[method-assign]


@pytest.fixture(scope="session")
def real_fixtures() -> Path:
    """The real recorded responses copied into tests/fixtures/real (see its SOURCES.md)."""
    return REAL_FIXTURES


# ---------------------------------------------------------------- Debian's chromium, one per session
# One fixture for every test folder: two live Playwright sync sessions in one process (one per
# folder's fixture) refuse to start.

CHROMIUM = os.environ.get("POLICYTRACK_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


def _missing_browser(reason: str) -> None:
    if os.environ.get("POLICYTRACK_TEST_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{reason} (POLICYTRACK_TEST_REQUIRE_SERVICES=1: scripts/browser-setup installs it)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        _missing_browser(f"{CHROMIUM} is not installed")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing_browser("playwright is not installed")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


AXE = Path(__file__).resolve().parents[1] / ".cache" / "axe-core" / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture(scope="session")
def axe():
    """``axe(page)``: the serious and critical violations of axe-core's default rules on the page
    (installed by scripts/axe-setup: pinned, no network at test time), one line each."""
    if not AXE.is_file():
        _missing_browser(f"{AXE} is missing: run scripts/axe-setup")
    source = AXE.read_text("utf-8")

    def check(page) -> list[str]:
        page.add_script_tag(content=source)
        found = page.evaluate(
            """async () => (await axe.run(document, {resultTypes: ["violations"]})).violations
                 .filter(v => v.impact === "serious" || v.impact === "critical")
                 .map(v => `${v.id} (${v.impact}): ${v.nodes.map(n => n.target.join(" ")).join(", ")}`)"""
        )
        return [f"{page.url}: {line}" for line in found]

    return check


HTML_CHECKER = Path(__file__).resolve().parents[1] / ".cache" / "html-checker" / "classpath.txt"


@pytest.fixture(scope="session")
def html_checker():
    """``html_checker(files)``: the errors the Nu HTML Checker finds in the files, one line each
    (installed by scripts/html-check-setup: pinned, from Maven Central; runs offline on Java)."""
    import shutil
    import subprocess

    if not HTML_CHECKER.is_file() or shutil.which("java") is None:
        _missing_browser(f"{HTML_CHECKER} or java is missing: run scripts/html-check-setup")
    classpath = HTML_CHECKER.read_text("utf-8").strip()

    def check(files: list[Path]) -> list[str]:
        done = subprocess.run(
            ["java", "-cp", classpath, "nu.validator.client.SimpleCommandLineValidator", "--errors-only"]
            + [str(f) for f in files],
            capture_output=True,
            text=True,
            timeout=300,
        )
        lines = [line for line in (done.stdout + done.stderr).splitlines() if '":' in line and "error" in line]
        assert lines or done.returncode == 0, done.stderr[-2000:]
        return lines

    return check
