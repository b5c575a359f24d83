"""The parts of an EP Open Data procedure record the parser reads, as msgspec types.

Decoding into these types reads only those fields and skips the rest (two dozen translated
titles, ids, the stage of every activity) without building them: what keeps extracting a
procedure near the cost of a bare ``json.loads`` of it. A record with a field of another shape
than these is decoded whole, a single value where a list is expected read as a list of one (as
JSON-LD compacts a set of one value), and the other odd fields left out (with a warning), never
rejected.
"""

from __future__ import annotations

from typing import Any

import msgspec

from .common import Body, as_bytes, fail, load_json, warn


class Activity(msgspec.Struct):
    type: str | None = None
    activity_date: str | None = None
    activity_id: str | None = None
    had_activity_type: str | None = None
    based_on_a_realization_of: list[str] | None = None
    decided_on_a_realization_of: list[str] | None = None
    recorded_in_a_realization_of: list[str] | None = None
    documented_by_a_realization_of: list[str] | None = None


class Participation(msgspec.Struct):
    had_participant_person: list[str] | None = None
    had_participant_organization: list[str] | None = None
    participation_role: str | None = None
    participation_in_name_of: str | None = None
    politicalGroup: str | None = None
    precedenceOrder: int | None = None  # the order the EP lists the people in


class Titles(msgspec.Struct):
    en: str | None = None


class Process(msgspec.Struct):
    type: str | None = None
    label: str | None = None
    process_id: str | None = None
    process_type: str | None = None
    process_title: Titles | None = None
    current_stage: str | None = None
    consists_of: list[Activity] | None = None
    was_scheduled_in: list[Activity] | None = None
    created_a_realization_of: list[str] | None = None
    had_participation: list[Participation] | None = None


class Processes(msgspec.Struct):
    data: list[Process]


_PROCESSES = msgspec.json.Decoder(Processes)


def _lenient(value: Any, into: type) -> Any:
    """``value`` as ``into`` (a struct), its fields of another shape than expected left out, its
    lists kept to the items of the right shape; None when it is not an object at all."""
    if not isinstance(value, dict):
        return None
    try:
        return msgspec.convert(value, into)
    except msgspec.ValidationError:
        pass
    kept: dict[str, Any] = {}
    for name, hint in into.__annotations__.items():
        item = value.get(name)
        if item is None:
            continue
        nested = next((t for t in (Activity, Participation, Titles) if t.__name__ in str(hint)), None)
        if "list" in str(hint) and not isinstance(item, list):
            item = [item]  # JSON-LD writes a set of one value as the value itself
        if nested is not None and "list" in str(hint):
            kept[name] = [v for v in (_lenient(i, nested) for i in item) if v is not None]
        elif nested is not None:
            kept[name] = _lenient(item, nested)
        elif "list" in str(hint):
            kept[name] = [i for i in item if isinstance(i, str)]
        elif "int" in str(hint):
            kept[name] = item if isinstance(item, int) and not isinstance(item, bool) else None
        else:
            kept[name] = item if isinstance(item, str) else None
    return into(**kept)


def processes(body: Body, url: str, kind: str) -> list[Process]:
    raw = as_bytes(body)
    if not raw or raw.isspace():
        raise fail(url, kind, "empty response")
    try:
        return _PROCESSES.decode(raw).data
    except msgspec.ValidationError as e:
        warn(url, kind, f"fields of an unexpected shape read leniently or left out ({e})")
    except (msgspec.DecodeError, RecursionError):
        # msgspec refuses some JSON the standard library reads (a lone surrogate escape such as
        # "\ud800", which the model's text rule then cleans): read it that way. Not JSON at all
        # fails there, in one line (and a challenge page is said to be one).
        pass
    data = load_json(raw, url, kind)
    if not isinstance(data, dict) or not isinstance(data.get("data"), list):
        raise fail(url, kind, "not a JSON-LD response with a 'data' list")
    return [p for p in (_lenient(r, Process) for r in data["data"]) if p is not None]
