"""pacs.orthanc.orthanc_forward_info through the real AnsibleModule; only the HTTP boundary (api.http_open) is fake."""

import calendar
import time

import pytest

from tests.unit.orthanc_modules.conftest import URL

FORWARDING = "ansible_collections.pacs.orthanc.plugins.module_utils.forwarding"
NOW = calendar.timegm((2026, 11, 30, 12, 0, 0))


@pytest.fixture(autouse=True)
def utc_now(monkeypatch):
    monkeypatch.setattr(f"{FORWARDING}._utcnow", lambda: NOW)


def received(seconds_ago):
    return time.strftime("%Y%m%dT%H%M%S", time.gmtime(NOW - seconds_ago))


def test_an_empty_gateway(orthanc, run_module):
    result = run_module("orthanc_forward_info", {"max_age": 60})

    assert result["changed"] is False and result.get("failed") is not True
    assert result["pending"] == 0 and result["kept"] == 0
    assert result["oldest_pending"] is None
    assert result["last_store_job"] is None
    # Nothing pending: neither find nor metadata is asked for.
    assert [path for _m, path, _b in orthanc.requests] == [
        "/tools/labels",
        "/tools/count-resources",
        "/statistics",
        "/jobs?expand",
    ]


def test_pending_instances_and_the_oldest_of_them(orthanc, run_module):
    orthanc.instances = {
        "b": {"labels": set(), "received": received(30)},
        "a": {"labels": set(), "received": received(600)},
        "kept": {"labels": {"forwarded-20261129"}, "received": received(90000)},
        "other": {"labels": {"teaching"}, "received": received(5)},
    }

    result = run_module("orthanc_forward_info", {})

    # An unrelated label does not make an instance confirmed.
    assert result["pending"] == 3
    assert result["kept"] == 1
    assert result["oldest_pending"] == {"id": "a", "received": received(600), "age": 600}
    find = [body for method, path, body in orthanc.requests if path == "/tools/find"]
    assert find == [
        {
            "Level": "Instance",
            "Query": {},
            "Labels": ["forwarded-20261129"],
            "LabelsConstraint": "None",
            "Limit": 1,
            "OrderBy": [{"Type": "Metadata", "Key": "ReceptionDate", "Direction": "ASC"}],
        }
    ]


def test_max_age_fails_with_the_last_job_error(orthanc, run_module):
    orthanc.instances = {"a": {"labels": set(), "received": received(901)}}
    orthanc.jobs = [
        {"ID": "old", "Type": "DicomModalityStore", "State": "Success", "CreationTime": "20261130T100000"},
        {"ID": "other", "Type": "Archive", "State": "Failure", "CreationTime": "20261130T115000"},
        {
            "ID": "new",
            "Type": "DicomModalityStore",
            "State": "Failure",
            "CreationTime": "20261130T114500",
            "CompletionTime": "20261130T114501",
            "ErrorDescription": "Error in the network protocol",
            "ErrorDetails": "connecting to AET PACS: Connection refused",
        },
    ]

    result = run_module("orthanc_forward_info", {"max_age": 900})

    assert result["failed"] is True
    assert result["msg"] == (
        f"Gateway at {URL}: 1 instances not confirmed by the server, the oldest received {received(901)} (901 s ago, "
        "more than max_age 900 s); last forwarding job: Failure: Error in the network protocol: connecting to AET "
        "PACS: Connection refused"
    )
    assert result["last_store_job"]["id"] == "new"
    assert result["pending"] == 1


def test_max_age_passes_when_the_oldest_is_younger(orthanc, run_module):
    orthanc.instances = {"a": {"labels": set(), "received": received(899)}}
    result = run_module("orthanc_forward_info", {"max_age": 900})
    assert result.get("failed") is not True
    assert result["oldest_pending"]["age"] == 899


def test_only_reads_in_check_mode(orthanc, run_module):
    orthanc.instances = {"a": {"labels": set(), "received": received(10)}}
    run_module("orthanc_forward_info", {}, check_mode=True)
    assert {(method, path) for method, path, _b in orthanc.requests if method != "GET"} == {
        ("POST", "/tools/count-resources"),
        ("POST", "/tools/find"),
    }


def test_an_orthanc_without_labels_is_named(orthanc, run_module, monkeypatch):
    monkeypatch.setattr(orthanc, "gateway", lambda *a: (404, {"Message": "Unknown resource"}))
    result = run_module("orthanc_forward_info", {})
    assert result["failed"] is True
    hint = "(the backlog needs Orthanc 1.12.5 or newer: labels, /tools/count-resources, OrderBy)"
    assert result["msg"].endswith(hint)


@pytest.mark.parametrize(
    ("args", "msg"),
    [
        ({"max_age": 0}, "max_age must be at least 1 second, got 0"),
        ({"label_prefix": ""}, "label_prefix must not be empty: every label would then mark a confirmed copy"),
    ],
)
def test_bad_options_are_refused_before_any_request(orthanc, run_module, args, msg):
    result = run_module("orthanc_forward_info", args)
    assert result["failed"] is True and result["msg"] == msg
    assert orthanc.requests == []


def test_an_unreadable_reception_date_fails_max_age(orthanc, run_module):
    orthanc.instances = {"a": {"labels": set(), "received": "garbage"}}
    result = run_module("orthanc_forward_info", {"max_age": 60})
    assert result["failed"] is True
    assert result["oldest_pending"] == {"id": "a", "received": None, "age": None}
    assert "the oldest received at an unknown time (? s ago" in result["msg"]
