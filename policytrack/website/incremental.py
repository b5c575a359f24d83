"""Incremental builds: a manifest of what each output was built from.

Two levels. A *fingerprint* of every input (the store's state, content files, templates,
assets, settings, today's date) lets a rebuild with no change stop after one cheap query.
Per-page *input hashes* let a rebuild after a change render only the pages whose inputs moved.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

MANIFEST_NAME = ".policytrack-build.json"
BUILDER_VERSION = "2"  # bump when the builder changes what it writes from the same inputs


@dataclass
class Manifest:
    fingerprint: str = ""
    pages: dict[str, str] = field(default_factory=dict)  # output file → input hash
    files: dict[str, str] = field(default_factory=dict)  # other outputs → content hash
    search_indexed: bool = False
    warnings: list[str] = field(default_factory=list)  # replayed by an up-to-date rebuild
    errors: list[str] = field(default_factory=list)
    searchable: list[str] = field(default_factory=list)  # pages Pagefind indexes (data-pagefind-body)
    search_parts: dict[str, str] = field(default_factory=dict)  # Pagefind bundle → digest of its pages

    @classmethod
    def load(cls, out_dir: Path) -> Manifest:
        try:
            data = json.loads((out_dir / MANIFEST_NAME).read_text("utf-8"))
            if data.get("version") != BUILDER_VERSION:
                return cls()
            return cls(
                data["fingerprint"],
                data["pages"],
                data["files"],
                data["search_indexed"],
                data["warnings"],
                data["errors"],
                data["searchable"],
                data["search_parts"],
            )
        except (OSError, ValueError, KeyError, TypeError):
            return cls()  # no manifest or a broken one: build everything

    def save(self, out_dir: Path) -> None:
        data = {
            "version": BUILDER_VERSION,
            "fingerprint": self.fingerprint,
            "pages": self.pages,
            "files": self.files,
            "search_indexed": self.search_indexed,
            "warnings": self.warnings,
            "errors": self.errors,
            "searchable": self.searchable,
            "search_parts": self.search_parts,
        }
        tmp = out_dir / (MANIFEST_NAME + ".tmp")
        tmp.write_text(json.dumps(data, separators=(",", ":")), "utf-8")
        os.replace(tmp, out_dir / MANIFEST_NAME)

    def outputs_exist(self, out_dir: Path) -> bool:
        base = f"{out_dir}{os.sep}"  # string joins: Path objects cost a third of the check
        return all(os.path.exists(base + p) for p in (*self.pages, *self.files))


def hash_strings(parts: Iterable[str]) -> str:
    """Each part followed by a NUL byte, hashed (one string joined: a hash per page adds up)."""
    items = list(parts)
    data = ("\x00".join(items) + "\x00" if items else "").encode("utf-8", "surrogatepass")
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def hash_tree(folder: Path) -> str:
    """Names and contents of every file under ``folder`` (templates, assets, content)."""
    h = hashlib.blake2b(digest_size=16)
    if folder.is_dir():
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            h.update(str(path.relative_to(folder)).encode())
            h.update(b"\x00")
            h.update(path.read_bytes())
            h.update(b"\x00")
    return h.hexdigest()
