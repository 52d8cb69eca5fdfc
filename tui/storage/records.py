"""How the shared records are written in the database, and read back with their types checked.

The file layout (TinyDB tables, each {doc id: document}):

    meta       {"schema": 2}    1: post ids from text alone; 2: ids of messages (`chat/id`) too
    bookmarks  {"post_id", "created", "snapshot"}                       one per bookmarked post
    notes      {"id", "post_id", "body", "created", "updated", "snapshot", "quote", "tags"}
    reading    {"archive", "ids": "id1 id2 ..."}   ids joined by spaces; an archive's marks are
               the union of its records: a flush adds a small one, they are joined into one
               when there are 16 and when tgreader closes
    ui_state   {"archive": key or null for the global one, "values": {...}}

Records are written with every field, so the file stays readable by hand and by other tools.
Reading is strict about types: a record that is not what we wrote means the file is damaged.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tui.model import Bookmark, Note, PostSnapshot, Quote
from tui.storage.errors import DamagedDatabaseError

#: 2 since posts with a message id are keyed `<chat>/<id>` (see tui.identity, tui.rekey).
SCHEMA = 2

META = "meta"
BOOKMARKS = "bookmarks"
NOTES = "notes"
READING = "reading"
UI_STATE = "ui_state"


def _field(doc: Mapping[str, Any], name: str, kind: type | tuple[type, ...], where: str) -> Any:
    value = doc.get(name)
    if not isinstance(value, kind):
        raise DamagedDatabaseError(f"unexpected structure: {where} has a bad {name!r}")
    return value


def _optional_str(doc: Mapping[str, Any], name: str, where: str) -> str | None:
    value: str | None = _field(doc, name, (str, type(None)), where)
    return value


def snapshot_to_doc(snapshot: PostSnapshot) -> dict[str, Any]:
    return {
        "post_id": snapshot.post_id,
        "source": snapshot.source,
        "channel": snapshot.channel,
        "title": snapshot.title,
        "date": snapshot.date,
        "date_inferred": snapshot.date_inferred,
        "url": snapshot.url,
        "origin": snapshot.origin,
    }


def snapshot_from_doc(doc: object, where: str) -> PostSnapshot:
    if not isinstance(doc, dict):
        raise DamagedDatabaseError(f"unexpected structure: {where} has no snapshot")
    return PostSnapshot(
        post_id=_field(doc, "post_id", str, where),
        source=_optional_str(doc, "source", where),
        title=_field(doc, "title", str, where),
        date=_optional_str(doc, "date", where),
        date_inferred=bool(doc.get("date_inferred", False)),
        channel=_optional_str(doc, "channel", where),
        url=_optional_str(doc, "url", where),
        origin=_optional_str(doc, "origin", where),
    )


def quote_to_doc(quote: Quote | None) -> dict[str, Any] | None:
    if quote is None:
        return None
    return {"text": quote.text, "start": quote.start, "end": quote.end}


def quote_from_doc(doc: object, where: str) -> Quote | None:
    if doc is None:
        return None
    if not isinstance(doc, dict):
        raise DamagedDatabaseError(f"unexpected structure: {where} has a bad quote")
    return Quote(
        text=_field(doc, "text", str, where),
        start=_field(doc, "start", int, where),
        end=_field(doc, "end", int, where),
    )


def bookmark_to_doc(snapshot: PostSnapshot, created: str) -> dict[str, Any]:
    return {"post_id": snapshot.post_id, "created": created, "snapshot": snapshot_to_doc(snapshot)}


def bookmark_from_doc(doc: Mapping[str, Any]) -> Bookmark:
    where = "a bookmark"
    return Bookmark(
        post_id=_field(doc, "post_id", str, where),
        created=_field(doc, "created", str, where),
        snapshot=snapshot_from_doc(doc.get("snapshot"), where),
    )


def note_to_doc(note: Note) -> dict[str, Any]:
    return {
        "id": note.id,
        "post_id": note.post_id,
        "body": note.body,
        "created": note.created,
        "updated": note.updated,
        "snapshot": snapshot_to_doc(note.snapshot),
        "quote": quote_to_doc(note.quote),
        "tags": list(note.tags),
    }


def note_from_doc(doc: Mapping[str, Any]) -> Note:
    where = "a note"
    tags = doc.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
        raise DamagedDatabaseError("unexpected structure: a note has bad 'tags'")
    return Note(
        id=_field(doc, "id", str, where),
        post_id=_field(doc, "post_id", str, where),
        body=_field(doc, "body", str, where),
        created=_field(doc, "created", str, where),
        updated=_field(doc, "updated", str, where),
        snapshot=snapshot_from_doc(doc.get("snapshot"), where),
        quote=quote_from_doc(doc.get("quote"), where),
        tags=tuple(tags),
    )


def reading_ids(doc: Mapping[str, Any]) -> frozenset[str]:
    """The read post ids of a reading record: one string of ids joined by spaces, because a
    100,000-id archive then costs one string to encode, not 100,000. A list (hand-edited, or
    another tool's) is read too."""
    ids = doc.get("ids")
    if isinstance(ids, str):
        return frozenset(ids.split())
    if isinstance(ids, list) and all(isinstance(post_id, str) for post_id in ids):
        return frozenset(ids)
    raise DamagedDatabaseError("unexpected structure: a reading record has bad 'ids'")


def reading_doc(archive_key: str, ids: str) -> dict[str, Any]:
    return {"archive": archive_key, "ids": ids}


def reading_from_doc(doc: Mapping[str, Any]) -> tuple[str, frozenset[str]]:
    return _field(doc, "archive", str, "a reading record"), reading_ids(doc)


def ui_from_doc(doc: Mapping[str, Any]) -> tuple[str | None, dict[str, Any]]:
    """The record's archive key and its values, as stored: check them with `checked_ui`."""
    where = "a UI state record"
    return _optional_str(doc, "archive", where), dict(_field(doc, "values", dict, where))


_NONE = type(None)

#: The UI state tgreader keeps, and what each value may be. A value of another type (a file
#: edited by hand or by another tool) is dropped with a warning rather than given to the app,
#: which would fail on it at every start. Keys not listed here are kept as they are.
UI_VALUES: dict[str, tuple[type, ...]] = {
    "tag": (str, _NONE),
    "period": (str, _NONE),
    "query": (str,),
    "collection": (str, _NONE),
    "last_post": (str, _NONE),
    "theme": (str,),
    "sidebar": (bool,),
}
UI_CHOICES: dict[str, frozenset[object]] = {"collection": frozenset({"bookmarks", "notes", None})}


def checked_ui(values: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The values the app can use, and the names of those dropped for a wrong type."""
    kept: dict[str, Any] = {}
    dropped: list[str] = []
    for name, value in values.items():
        kinds = UI_VALUES.get(name)
        choices = UI_CHOICES.get(name)
        if kinds is not None and (
            not isinstance(value, kinds)
            or (bool not in kinds and isinstance(value, bool))
            or (choices is not None and value not in choices)
        ):
            dropped.append(name)
        else:
            kept[name] = value
    return kept, dropped


def ordered_docs(tables: Mapping[str, Mapping[str, Any]], name: str) -> list[Mapping[str, Any]]:
    """A table's documents in doc-id order, which is the order they were committed in."""
    table = tables.get(name) or {}
    return [table[key] for key in sorted(table, key=int)]


def schema_of(tables: Mapping[str, Mapping[str, Any]]) -> int:
    for doc in ordered_docs(tables, META):
        schema = doc.get("schema")
        if isinstance(schema, int):
            return schema
    return SCHEMA
