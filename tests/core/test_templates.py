from __future__ import annotations

import json

import pytest

from tui.core.payload import validate_payload, validate_text
from tui.core.templates import TEMPLATES, Template, render


def test_the_four_templates_exist():
    assert set(TEMPLATES) == {"profile", "profile_events", "events", "segment"}
    for key, template in TEMPLATES.items():
        assert isinstance(template, Template) and template.key == key
        assert template.title and template.description


@pytest.mark.parametrize("key", sorted(TEMPLATES))
def test_every_template_validates_clean_with_a_dataset(key):
    payload = TEMPLATES[key].build("5b020a27e7040801dedba61b", "e5bc94de-cd14-4cdf-a2bc-88b6e8cbfac2", 1)
    result = validate_text(render(payload))
    assert result.ok and result.warnings == [], result.issues
    assert payload["destination"]["datasetId"] == "5b020a27e7040801dedba61b"
    assert payload["mergePolicy"] == {"id": "e5bc94de-cd14-4cdf-a2bc-88b6e8cbfac2", "version": 1}
    assert payload["schema"] == {"name": "_xdm.context.profile"}


@pytest.mark.parametrize("key", sorted(TEMPLATES))
def test_without_dataset_the_template_asks_for_one(key):
    result = validate_payload(TEMPLATES[key].build())
    assert [e.path for e in result.errors] == ["destination.datasetId"]
    assert "mergePolicy" not in TEMPLATES[key].build()  # Platform's default policy


def test_template_contents_follow_the_guide():
    events = TEMPLATES["profile_events"].build("d")
    assert events["additionalFields"]["eventList"]["filter"]["fromIngestTimestamp"]
    assert "eventList" in TEMPLATES["events"].build("d")["additionalFields"]
    assert TEMPLATES["events"].build("d")["fields"] == "identityMap"
    assert "additionalFields" not in TEMPLATES["profile"].build("d")
    segment = TEMPLATES["segment"].build("d")["filter"]["segments"][0]
    assert set(segment) == {"segmentId", "segmentNs", "status"}


def test_merge_policy_version_can_be_left_to_platform():
    payload = TEMPLATES["profile"].build("d", "mp", None)
    assert payload["mergePolicy"] == {"id": "mp"}
    assert validate_payload(payload).ok


def test_builds_are_independent_copies():
    first = TEMPLATES["segment"].build("d")
    first["filter"]["segments"].clear()
    assert TEMPLATES["segment"].build("d")["filter"]["segments"]


def test_render_is_two_space_json():
    payload = TEMPLATES["profile"].build("d")
    assert render(payload) == json.dumps(payload, indent=2)
    assert json.loads(render(payload)) == payload
