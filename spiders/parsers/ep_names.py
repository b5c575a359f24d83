"""The European Parliament's names for its political groups and committees, as every source
spells them, brought to one form.

Groups come as OEIL writes them (``S&D``, ``Greens/EFA``, or a tooltip ``EPP - Group of the
European People's Party``), as EP Open Data codes (``org/S-D``, ``org/VERTS-ALE``), as
Publications Office corporate bodies (``…/corporate-body/EP_GROUP_PPE``) or in the French
acronyms of the plenary documents (``PPE``, ``Verts/ALE``). ``group_name`` gives the form the
Legislative Observatory shows (``EPP``, ``S&D``, ``Greens/EFA``, ``The Left``…).
Committees come as codes (``LIBE``) or full names (``Committee on Civil Liberties, Justice and
Home Affairs``); ``committee_code`` gives the code.
"""

from __future__ import annotations

import re
from functools import lru_cache

# Key: the code or name upper-cased with every run of non-letters turned into one "-".
_GROUPS = {
    "EPP": "EPP",
    "PPE": "EPP",
    "EPP-ED": "EPP",
    "PPE-DE": "EPP",
    "GROUP-OF-THE-EUROPEAN-PEOPLE-S-PARTY": "EPP",
    "GROUP-OF-EUROPEAN-PEOPLE-S-PARTY": "EPP",
    "S-D": "S&D",
    "SD": "S&D",
    "PSE": "S&D",
    "GROUP-OF-THE-PROGRESSIVE-ALLIANCE-OF-SOCIALISTS-AND-DEMOCRATS": "S&D",
    "GROUP-OF-PROGRESSIVE-ALLIANCE-OF-SOCIALISTS-AND-DEMOCRATS": "S&D",
    "RENEW": "Renew",
    "RE": "Renew",
    "RENEW-EUROPE": "Renew",
    "RENEW-EUROPE-GROUP": "Renew",
    "ALDE": "ALDE",
    "GREENS-EFA": "Greens/EFA",
    "VERTS-ALE": "Greens/EFA",
    "GREENS": "Greens/EFA",
    "GROUP-OF-THE-GREENS-EUROPEAN-FREE-ALLIANCE": "Greens/EFA",
    "ECR": "ECR",
    "EUROPEAN-CONSERVATIVES-AND-REFORMISTS-GROUP": "ECR",
    "ID": "ID",
    "IDENTITY-AND-DEMOCRACY": "ID",
    "ENF": "ENF",
    "EFDD": "EFDD",
    "EFD": "EFD",
    "GUE-NGL": "GUE/NGL",
    "THE-LEFT": "The Left",
    "LEFT": "The Left",
    "THE-LEFT-GROUP-IN-THE-EUROPEAN-PARLIAMENT": "The Left",
    "PFE": "PfE",
    "PATRIOTS-FOR-EUROPE": "PfE",
    "ESN": "ESN",
    "EUROPE-OF-SOVEREIGN-NATIONS": "ESN",
    "NI": "NI",
    "NA": "NI",
    "NON-ATTACHED": "NI",
    "NON-ATTACHED-MEMBERS": "NI",
}
_GROUP_PREFIX = re.compile(r"^(?:EP_GROUP_|EP_|GROUP_)", re.I)


def _key(text: str) -> str:
    return re.sub(r"[^A-Z]+", "-", text.upper()).strip("-")


@lru_cache(maxsize=512)
def group_name(raw: str) -> str:
    """The group's short name, or the text as given (cleaned) when it names no known group.

    A tooltip's first part is the group (``EPP - Group of the European People's Party``), or its
    last (``The Left group in the European Parliament - GUE/NGL``); a URI's last segment is
    (``org/S-D``, ``…/corporate-body/EP_GROUP_PPE``)."""
    text = " ".join(str(raw).split())
    if not text:
        return ""
    segment = _GROUP_PREFIX.sub("", text.rsplit("/", 1)[-1]) if " " not in text else text
    for candidate in (text, segment, text.split(" - ", 1)[0], text.rsplit(" - ", 1)[-1]):
        found = _GROUPS.get(_key(candidate))
        if found:
            return found
    return segment if text.startswith(("org/", "http")) else text


# Current and recent committees (the full name after "Committee on"/"Committee for").
_COMMITTEES = {
    "FOREIGN-AFFAIRS": "AFET",
    "HUMAN-RIGHTS": "DROI",
    "SECURITY-AND-DEFENCE": "SEDE",
    "DEVELOPMENT": "DEVE",
    "INTERNATIONAL-TRADE": "INTA",
    "BUDGETS": "BUDG",
    "BUDGETARY-CONTROL": "CONT",
    "ECONOMIC-AND-MONETARY-AFFAIRS": "ECON",
    "TAX-MATTERS": "FISC",
    "EMPLOYMENT-AND-SOCIAL-AFFAIRS": "EMPL",
    "ENVIRONMENT-PUBLIC-HEALTH-AND-FOOD-SAFETY": "ENVI",
    "ENVIRONMENT-CLIMATE-AND-FOOD-SAFETY": "ENVI",
    "PUBLIC-HEALTH": "SANT",
    "INDUSTRY-RESEARCH-AND-ENERGY": "ITRE",
    "INTERNAL-MARKET-AND-CONSUMER-PROTECTION": "IMCO",
    "TRANSPORT-AND-TOURISM": "TRAN",
    "REGIONAL-DEVELOPMENT": "REGI",
    "AGRICULTURE-AND-RURAL-DEVELOPMENT": "AGRI",
    "FISHERIES": "PECH",
    "CULTURE-AND-EDUCATION": "CULT",
    "LEGAL-AFFAIRS": "JURI",
    "CIVIL-LIBERTIES-JUSTICE-AND-HOME-AFFAIRS": "LIBE",
    "CONSTITUTIONAL-AFFAIRS": "AFCO",
    "WOMEN-S-RIGHTS-AND-GENDER-EQUALITY": "FEMM",
    "PETITIONS": "PETI",
}
_CODE = re.compile(r"^[A-Z][A-Z0-9]{3}$")


@lru_cache(maxsize=512)
def committee_code(raw: str) -> str:
    """``Committee on Civil Liberties, Justice and Home Affairs`` → ``LIBE``; a code stays a code;
    anything else gives ""."""
    text = " ".join(str(raw).split())
    if _CODE.match(text):
        return text
    bare = re.sub(r"^(?:the\s+)?committee\s+(?:on|for)\s+(?:the\s+)?", "", text, flags=re.I)
    return _COMMITTEES.get(_key(bare), "")


def known_group(raw: str) -> str | None:
    """The group's short name when ``raw`` names a political group, else None."""
    name = group_name(raw)
    return name if name in _GROUP_NAMES else None


_GROUP_NAMES = frozenset(_GROUPS.values())
