"""Files that ship inside the packages (templates, static assets, sample content, the default
configuration, the replay recording), found through ``importlib.resources``.

They are read where the package is installed, never relative to a source checkout, so an
installed wheel works from any folder. In a checkout, ``policytrack/site`` is a link to the
top-level ``site/`` folder, which the wheel carries as package data of ``policytrack``.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from .errors import PolicytrackError


def package_folder(package: str, *parts: str) -> Path:
    """A folder of package data as a real path (Jinja2, the replay server and copies need one)."""
    ref = resources.files(package).joinpath(*parts)
    if not isinstance(ref, Path):
        raise PolicytrackError(
            f"{package}/{'/'.join(parts)}: package data is not on the file system "
            "(install policytrack unzipped, e.g. with pip)"
        )
    if not ref.is_dir():
        raise PolicytrackError(f"{ref}: package data missing (a broken installation?)")
    return ref


def site_dir() -> Path:
    """``templates/``, ``static/`` and the sample ``content/`` of the static site."""
    return package_folder("policytrack", "site")


def default_config_text() -> str:
    """The commented default configuration that ``policytrack init`` writes."""
    return resources.files("policytrack").joinpath("defaults", "policytrack.toml").read_text("utf-8")
