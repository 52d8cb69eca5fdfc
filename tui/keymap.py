"""The user's keys: a `[keymap]` table of binding id = keys, checked against the bindings
that exist, so one typo costs one line and that binding keeps its default. No Textual here:
the app hands the checked map to Textual's `App.set_keymap`."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

# Textual key names: letters, digits, words joined by `_` or `+` (ctrl+r, shift+space, f1).
_KEY = re.compile(r"^[A-Za-z0-9_+-]+$|^[^\s,]$")


def check_keymap(
    keymap: Mapping[str, str], known_ids: Iterable[str], where: str = "config"
) -> tuple[dict[str, str], list[str]]:
    """The entries of `keymap` that name an existing binding with well-formed keys, and one
    line per entry that does not (naming `where` and the binding id)."""
    known = set(known_ids)
    valid: dict[str, str] = {}
    problems: list[str] = []
    for binding_id, keys in keymap.items():
        if binding_id not in known:
            problems.append(f"{where}: keymap: no key binding has the id {binding_id!r} "
                            "(ignored; the help screen lists the ids)")
            continue
        names = [key.strip() for key in keys.split(",")]
        if not names or not all(name and _KEY.match(name) for name in names):
            problems.append(f"{where}: keymap: {binding_id} = {keys!r} is not a key or a "
                            "comma-separated list of keys like \"ctrl+r,f5\" (using the default)")
            continue
        valid[binding_id] = ",".join(names)
    return valid, problems
