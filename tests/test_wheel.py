"""policytrack works as an installed wheel, from any folder: the main job end to end.

The wheel is built from this checkout and installed (not editable) into a fresh virtual
environment. Its dependencies come from the test environment's site-packages, added as a plain
path so that the checkout's editable finder is not: the fresh environment can only import the
policytrack, spiders and indexer the wheel carries. Then `init`, `crawl --replay`, `index`,
`site build` and `digest build` run in a temporary folder outside the checkout.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
NETGUARD = REPO / "tests" / "spiders" / "netguard"


def _run(args: list[str], cwd: Path, env: dict[str, str]) -> str:
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"{' '.join(map(str, args))} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment with the wheel of this checkout installed."""
    tmp = tmp_path_factory.mktemp("wheel")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("POLICYTRACK_", "PYTHONPATH"))}
    _run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp / "dist"),
            str(REPO),
        ],
        tmp,
        env,
    )
    [wheel] = (tmp / "dist").glob("policytrack-*.whl")
    venv.EnvBuilder(with_pip=False).create(tmp / "venv")
    python = tmp / "venv" / "bin" / "python"
    purelib = Path(
        subprocess.run(
            [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    # The dependencies, as a plain path: .pth files inside it (the editable finder) are not run.
    (purelib / "_policytrack_test_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", "utf-8")
    _run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps", "--no-index", str(wheel)],
        tmp,
        env,
    )
    return tmp / "venv"


def test_the_wheel_carries_its_data_and_is_what_gets_imported(installed: Path, tmp_path: Path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("POLICYTRACK_", "PYTHONPATH"))}
    out = _run(
        [
            str(installed / "bin" / "python"),
            "-c",
            "import policytrack, spiders, indexer\n"
            "from policytrack.resources import site_dir\n"
            "from spiders.replay import SHIPPED_RECORDING\n"
            "for m in (policytrack, spiders, indexer): print(m.__file__)\n"
            "print(site_dir()); print(SHIPPED_RECORDING)\n"
            "print(sorted(p.name for p in (site_dir() / 'templates').iterdir())[:3])\n",
        ],
        tmp_path,
        env,
    )
    lines = out.splitlines()
    for path in lines[:5]:
        assert path.startswith(str(installed)), f"{path} is not inside the installed environment"
        assert not path.startswith(str(REPO))
    assert "404.html" in lines[5]


def test_the_main_job_runs_from_the_installed_wheel_outside_the_checkout(installed: Path, tmp_path: Path):
    bin_dir = installed / "bin"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("POLICYTRACK_", "PYTHONPATH"))}
    # The crawl's child process may only reach loopback (the replay server), like every test.
    env["PYTHONPATH"] = str(NETGUARD)
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    env["POLICYTRACK_DIGEST_SECRET"] = "wheel-test-only"
    work = tmp_path / "work"
    _run(["policytrack", "init", str(work)], tmp_path, env)
    assert (work / "content" / "briefings").is_dir()
    crawled = _run(["policytrack", "crawl", "--replay"], work, env)
    assert "crawl summary" in crawled
    _run(["policytrack", "index"], work, env)
    found = _run(["policytrack", "search", '"due diligence"', "--json"], work, env)
    assert '"total": 0' not in found
    _run(["policytrack", "site", "build"], work, env)
    assert (work / "public" / "index.html").is_file()
    assert (work / "public" / "dossiers" / "2022-0051-cod" / "index.html").is_file()
    assert any((work / "public").glob("**/*.css"))
    _run(["policytrack", "subscribers", "add", "ana@example.org", "-t", "due-diligence"], work, env)
    # A first crawl is a baseline: nothing in it is news, so the digest is sent only because
    # empty digests are asked for here (they still carry the upcoming dates).
    env["POLICYTRACK_DIGEST_SEND_EMPTY"] = "true"
    _run(["policytrack", "digest", "build", "--out", "digests"], work, env)
    [eml] = (work / "digests").glob("*.eml")
    text = eml.read_text("utf-8")
    assert "ana@example.org" in text and "Nothing changed on what you follow this week." in text
