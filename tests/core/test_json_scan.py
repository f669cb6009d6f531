"""The one JSON text scanner (tui.core.json_scan) and its two users' positions.

Characterization: the expected values below were checked against the two hand-written scanners it
replaced (payload._Locator's and payload_edit._Spans), input for input, before they were deleted;
the properties hold for any JSON and any prefix of it.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from tui.core.json_scan import scan
from tui.core.payload import _Locator, validate_text
from tui.core.payload_edit import replace_dataset_id
from tui.core.templates import TEMPLATES, render

NESTED = '{"a": {"b": [1, {"c": "x\\"y"}, [2, 3]]}, "a.b": true, "k\\u00e9": null}'
DUPLICATES = '{"x": 1, "x": {"x": 2}, "": {"": 3}}'


def test_paths_spans_and_objects_of_a_nested_payload():
    found = scan(NESTED)
    assert found.complete
    # a key's opening quote, or a list item's first character; a key with a dot shares its path
    assert found.first == {"a": 1, "a.b": 7, "a.b[0]": 13, "a.b[1]": 16, "a.b[1].c": 17, "a.b[2]": 31,
                           "a.b[2][0]": 32, "a.b[2][1]": 35, "ké": 54}
    assert found.spans == {"a.b[1].c": [(17, 20, 22, 28)], "a.b": [(7, 10, 12, 38), (41, 46, 48, 52)],
                           "a": [(1, 4, 6, 39)], "ké": [(54, 63, 65, 69)]}
    assert found.objects == {"a.b[1]": [(16, 28)], "a": [(6, 38)], "": [(0, 69)]}


def test_duplicate_keys_first_keeps_the_first_spans_keep_every_one():
    found = scan(DUPLICATES)
    assert found.first == {"x": 1, "x.x": 15, "": 24}
    # in the order the values end: an inner "" ends before the outer one
    assert found.spans == {"x": [(1, 4, 6, 7), (9, 12, 14, 22)], "x.x": [(15, 18, 20, 21)],
                           "": [(29, 31, 33, 34), (24, 26, 28, 35)]}
    assert found.objects == {"x": [(14, 21)], "": [(28, 34), (0, 35)]}


def test_a_key_spelled_like_a_list_item_keeps_the_first():
    assert scan('{"x": [7], "x[0]": 2}').first == {"x": 1, "x[0]": 7}
    assert scan('{"x[0]": 2, "x": [7]}').first == {"x[0]": 1, "x": 12}


def test_locator_lines_and_columns_count_characters_and_ignore_cr():
    text = '{\r\n  "ü€": {\r\n    "näme": "é"\r\n  },\r\n\t"b": [\r\n  {"c": 1}]\r\n}'
    locator = _Locator(text)
    assert locator.position("ü€") == (2, 3)
    assert locator.position("ü€.näme") == (3, 5)
    assert locator.position("b") == (5, 2)
    assert locator.position("b[0]") == (6, 3)
    assert locator.position("b[0].c") == (6, 4)
    assert locator.position("b[0].missing") == (6, 3)  # the nearest parent that is in the text
    assert locator.position("nowhere") == (1, 1)
    assert _Locator("").position("a") == (None, None)


def test_validation_issues_keep_their_positions():
    text = render(TEMPLATES["segment"].build("", "", 1)).replace('"realized"', '"sideways"')
    result = validate_text(text.replace("\n", "\r\n"))
    lines = text.split("\n")
    [issue] = [i for i in result.errors if i.path and "status" in i.path]
    assert lines[issue.line - 1][issue.column - 1:].startswith('"sideways"')  # the list item itself


def test_broken_text_stops_where_json_stops():
    # a delimiter where a value belongs looped for ever before (an empty item, again and again)
    for text in ("[}", "[1, }", '{"a": [1, }]}', '{"a": }', "{1: 2}", '{[]: 1}', '{"a" 1}', '{"a": 1', '"abc'):
        found = scan(text)
        assert not found.complete, text
    assert scan('{"a": [1, }]}').first == {"a": 1, "a[0]": 7, "a[1]": 10}
    assert scan('{"a": {"b": 1}, 2: 3}').spans == {"a.b": [(7, 10, 12, 13)], "a": [(1, 4, 6, 14)]}
    assert scan("").first == {} and scan("   ").complete is False
    assert scan("12").complete and scan('"s"').complete and scan("[]").complete


def test_very_deep_nesting_is_best_effort():
    for text in ("[" * 100_000, '{"a":' * 50_000, "[" * 5_000 + "]" * 5_000):
        found = scan(text)  # RecursionError is caught
        assert not found.complete
        assert found.first  # what came before the break stands
    assert scan("[" * 200 + "]" * 200).complete
    assert _Locator('{"a":' * 50_000).position("a.a.a") == (1, 12)


def test_huge_text():
    payload = TEMPLATES["profile"].build("ds", "mp", 1)
    payload["fields"] = [f"attribute{i}" for i in range(60_000)]
    text = render(payload)
    found = scan(text)
    assert found.complete and found.first["fields[59999]"] == text.rindex('"attribute59999"')
    assert replace_dataset_id(text, "new").count('"new"') == 1


def test_every_prefix_of_every_template_reads_a_prefix_of_the_whole():
    for template in TEMPLATES.values():
        text = render(template.build("ds-1", "mp-1", 1))
        whole = scan(text)
        for cut in range(len(text)):
            part = scan(text[:cut])
            assert not part.complete
            assert part.first.items() <= whole.first.items()
            for path, spans in part.spans.items():
                # a number cut short is read as far as it goes: its value ends early
                assert [s[:3] for s in whole.spans[path][:len(spans)]] == [s[:3] for s in spans]
                assert all(p[3] <= w[3] for p, w in zip(spans, whole.spans[path], strict=False))
            assert replace_dataset_id(text[:cut], "x") is None
        assert whole.complete


# --- properties over any JSON -------------------------------------------------------------------
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=6), kids, max_size=4),
    max_leaves=25)


def _walk(value: Any, path: str, first: dict[str, Any], ends: dict[str, list[Any]]) -> None:
    """The reference: each path's first value (document order) and the key values in end order."""
    if isinstance(value, dict):
        for key, child in value.items():
            sub = f"{path}.{key}" if path else key
            first.setdefault(sub, child)
            _walk(child, sub, first, ends)
            ends.setdefault(sub, []).append(child)
    elif isinstance(value, list):
        for index, child in enumerate(value):
            sub = f"{path}[{index}]"
            first.setdefault(sub, child)
            _walk(child, sub, first, ends)


@settings(max_examples=300, deadline=None)
@given(JSON, st.sampled_from([None, 0, 2, "\t"]), st.booleans(), st.booleans(), st.booleans())
def test_any_json(value, indent, ensure_ascii, crlf, spaced):
    separators = (" , ", " :  ") if spaced else None
    text = json.dumps({"v": value}, indent=indent, ensure_ascii=ensure_ascii, separators=separators)
    if crlf:
        text = text.replace("\n", "\r\n")
    found = scan(text)
    assert found.complete
    first: dict[str, Any] = {}
    ends: dict[str, list[Any]] = {}
    _walk(json.loads(text), "", first, ends)
    assert found.first.keys() == first.keys()
    lines = text.split("\n")
    locator = _Locator(text)
    for path, pos in found.first.items():
        assert _decode_at(text, pos) == first[path] or text[pos] == '"'
        line, column = locator.line_col(pos)
        assert lines[line - 1][column - 1] == text[pos]
    for path, spans in found.spans.items():
        assert [json.loads(text[v_start:v_end]) for _, _, v_start, v_end in spans] == ends[path]
        for k_start, k_end, _, _ in spans:
            assert text[k_start] == '"' and path.endswith(json.loads(text[k_start:k_end]))
    for objects in found.objects.values():
        for start, end in objects:
            assert text[start] == "{" and text[end] == "}"
            assert isinstance(json.loads(text[start:end + 1]), dict)
    cut = len(text) // 2
    part = scan(text[:cut])
    assert part.first.items() <= found.first.items()


def _decode_at(text: str, pos: int) -> Any:
    return json.JSONDecoder().raw_decode(text, pos)[0]


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet='{}[]",: \\a1\nu0e-', max_size=40))
def test_any_text_ends_and_stays_inside_the_text(text):
    found = scan(text)
    assert all(0 <= pos < len(text) for pos in found.first.values())
    for spans in found.spans.values():
        for k_start, k_end, v_start, v_end in spans:
            assert k_start < k_end <= v_start < v_end <= len(text)
    assert _Locator(text).position("a") in ((1, 1), (None, None)) or "a" in found.first
