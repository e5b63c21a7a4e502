"""The roles' one-task checks read their messages through the problems filter."""

from ansible_collections.pacs.orthanc.plugins.filter.problems import problems


def test_empty_and_none_entries_are_no_problem():
    assert problems(["", None, "  ", "\n  "]) == []


def test_messages_keep_their_order_on_one_line_each():
    entries = ["first is wrong,\n        got 1.", "", "second  is wrong (two spaces kept)", None]
    assert problems(entries) == ["first is wrong, got 1.", "second  is wrong (two spaces kept)"]
