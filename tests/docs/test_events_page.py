"""docs/events.md lists every ETSI event kind with the grades the records allow."""

from __future__ import annotations

import re
from pathlib import Path

from legaldelivery.records import EventKind

PAGE = Path(__file__).resolve().parents[2] / "docs" / "events.md"


def test_every_event_kind_is_documented_with_its_grades() -> None:
    rows = re.findall(r"^\| ([A-F]) \| `(\w+)` \| (.+) \|$", PAGE.read_text("utf-8"), re.M)
    documented = {name: (group, grades) for group, name, grades in rows}
    assert set(documented) == {k.value for k in EventKind}
    for kind in EventKind:
        group, grades = documented[kind.value]
        assert group == kind.group
        expected = sorted(f"`{g.value}`" if g else "none" for g in kind.grades)
        assert grades.split(", ") == expected
