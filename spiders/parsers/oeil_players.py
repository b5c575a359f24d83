"""OEIL key players: committees, (shadow) rapporteurs with their groups, the Commission's DG
and commissioner, the Council configuration, read row by row under the column heading that says
what the rows are ("Committee responsible", "Committee for opinion", "Commission DG"…)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

from policytrack.model import KeyPlayer

from .common import clean, text_of
from .ep_names import committee_code, group_name

_NAME_AND_GROUP = re.compile(r"(.+?)\s*\(([^()]+)\)")
_ASSOCIATED = re.compile(r"\s*\((?:associated committee|joint committee)[^)]*\)\s*", re.I)
_CODE = re.compile(r"[A-Z][A-Z0-9]{3}")


@lru_cache(maxsize=4096)  # the same MEPs in file after file
def person_and_group(text: str) -> tuple[str, str]:
    """``MIKSER Sven (S&D)`` → (``MIKSER Sven``, ``S&D``)."""
    m = _NAME_AND_GROUP.fullmatch(text.strip())
    return (m.group(1), group_name(m.group(2))) if m else (text.strip(), "")


@lru_cache(maxsize=4096)  # a crawl meets the same committees and people again and again
def _player(role: str, name: str, committee: str = "", group: str = "") -> KeyPlayer:
    return KeyPlayer(role, name, committee, group)


def _in_shadow_block(link, cell) -> bool:
    """Whether a link sits in a block (up to its cell) whose id or class says "shadow"."""
    for a in link.iterancestors():
        if a is cell:
            return False
        if "shadow" in f"{a.get('id') or ''} {a.get('class') or ''}".lower():
            return True
    return False


def _people(cell) -> Iterator[tuple[str, str, bool]]:
    """(name, group, shadow) of every MEP a key-players cell links to. The group is in the link
    ("MIKSER Sven (S&D)") or, in the 2024 layout, in the tooltip of the group logo before it; a
    shadow rapporteur sits in a block whose id or class says "shadow", or after a "Shadow
    rapporteur" button."""
    group_hint, after_shadow_button = "", False
    for el in cell.iter():
        if not isinstance(el.tag, str):
            continue
        href = el.get("href") or ""
        if el.tag == "a" and "/meps/" in href:
            name, group = person_and_group(text_of(el))
            if not name:
                continue
            shadow = after_shadow_button or _in_shadow_block(el, cell)
            yield name, group or group_hint, shadow
            group_hint = ""
            continue
        title = el.get("title")
        if title and "tiptip" in (el.get("class") or ""):
            group_hint = group_name(title)
        elif el.tag in ("a", "button") and clean(text_of(el)).lower() == "shadow rapporteur":
            after_shadow_button = True


# Column headings by how they start: OEIL adds what kind of opinion ("Committee for opinion on
# the recast technique", "… on the legal basis", "… on budgetary assessment") or of
# responsibility ("Joint committee responsible"). A former committee (before a referral
# changed) carries the file no more: its rows are read as no one's.
_PLAYER_HEADERS = (
    ("former ", None),
    ("committee responsible", ("committee responsible", "rapporteur")),
    ("joint committee responsible", ("committee responsible", "rapporteur")),
    ("committee for opinion", ("committee for opinion", "rapporteur for opinion")),
    ("commission dg", ("commission", "commission")),
    ("council configuration", ("council", "council")),
)
_OTHER_HEADERS = ("commissioner", "meetings")


def _heading(text: str) -> tuple[bool, tuple[str, str] | None]:
    """Whether a row's first cell is a column heading, and the roles of the rows under it."""
    low = text.lower()
    for start, roles in _PLAYER_HEADERS:
        # (a heading is short: a committee's own name never starts with these words)
        if low.startswith(start) and len(low) <= 80:
            return True, roles
    return low in _OTHER_HEADERS, None


class KeyPlayers:
    """Key players, read row by row under the column heading that says what the rows are."""

    def __init__(self) -> None:
        self.roles: tuple[str, str] | None = None  # of the rows under the latest column heading
        self.players: list[KeyPlayer] = []
        self.committee = ""  # the code of the committee the latest row named

    def row(self, cells: list) -> None:
        first = clean(" ".join(cells[0].itertext()))
        heading, roles = _heading(first)
        if heading:
            self.roles = roles
            return
        roles = self.roles
        if roles is None:
            return
        own_role, person_role = roles
        if own_role in ("commission", "council"):
            for cell in cells[: 2 if own_role == "commission" else 1]:
                name = clean(" ".join(cell.itertext()))
                if name:
                    self.players.append(_player(own_role, name))
            return
        if first:
            name = _ASSOCIATED.sub(" ", first).strip() if "(" in first else first
            words = name.split()
            code = words[0] if _CODE.fullmatch(words[0]) else committee_code(name)
            self.committee = code
            self.players.append(_player(own_role, name, code))
        for cell in cells[1:2]:
            for person, group, shadow in _people(cell):
                role = "shadow rapporteur" if shadow else person_role
                self.players.append(_player(role, person, self.committee, group))
