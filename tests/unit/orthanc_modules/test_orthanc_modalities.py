"""pacs.orthanc.orthanc_modalities through the real AnsibleModule; only the HTTP boundary (api.http_open) is fake."""

import pytest

from tests.unit.orthanc_modules.conftest import URL, warnings_of

LIST = ("GET", "/modalities?expand", None)


def entries(count, port=104):
    return [
        {"name": f"m{i:03d}", "aet": f"AE{i:03d}", "host": f"10.0.{i // 250}.{i % 250 + 1}", "port": port}
        for i in range(count)
    ]


def seed(orthanc, items):
    for item in items:
        orthanc.add(item["name"], item["aet"], item["host"], item["port"])


def test_creates_missing_modalities_with_one_read(orthanc, run_module):
    orthanc.add("keep", "KEEP", "10.1.1.1", 104)

    result = run_module("orthanc_modalities", {"modalities": entries(3)})

    assert result["changed"] is True
    assert result["added"] == ["m000", "m001", "m002"]
    assert result["updated"] == result["removed"] == []
    assert orthanc.requests[0] == LIST
    assert [r[:2] for r in orthanc.requests[1:]] == [("PUT", f"/modalities/m00{i}") for i in range(3)]
    assert sorted(result["modalities"]) == ["keep", "m000", "m001", "m002"]
    assert result["modalities"]["m001"]["aet"] == "AE001"
    assert result["requests"] == 4
    assert sorted(orthanc.modalities) == ["keep", "m000", "m001", "m002"]


def test_no_op_over_100_modalities_sends_exactly_one_request(orthanc, run_module):
    items = entries(100)
    seed(orthanc, items)

    result = run_module("orthanc_modalities", {"modalities": items, "purge": True})

    assert result["changed"] is False
    assert orthanc.requests == [LIST]
    assert result["requests"] == 1
    assert len(result["modalities"]) == 100


@pytest.mark.parametrize("k", [1, 7, 30])
def test_changing_k_of_100_sends_1_plus_k_requests(orthanc, run_module, k):
    items = entries(100)
    seed(orthanc, items)
    orthanc.add("stray", "STRAY", "10.9.9.9", 104)  # one of the k: removed by purge
    for item in items[: k - 1]:
        item["port"] = 11112  # the others: updated

    result = run_module("orthanc_modalities", {"modalities": items, "purge": True})

    assert len(orthanc.requests) == 1 + k
    assert result["requests"] == 1 + k
    assert len(result["updated"]) == k - 1
    assert result["removed"] == ["stray"]
    assert all(orthanc.modalities[item["name"]]["Port"] == 11112 for item in items[: k - 1])


def test_purge_removes_the_unlisted_and_keeps_the_listed(orthanc, run_module):
    seed(orthanc, entries(3))
    orthanc.add("old-ws", "OLDWS", "10.1.1.1", 104)

    result = run_module("orthanc_modalities", {"modalities": entries(2), "purge": True})

    assert result["removed"] == ["m002", "old-ws"]
    assert sorted(orthanc.modalities) == ["m000", "m001"]
    assert sorted(result["modalities"]) == ["m000", "m001"]
    assert ("DELETE", "/modalities/old-ws", None) in orthanc.requests


def test_without_purge_unlisted_modalities_stay(orthanc, run_module):
    orthanc.add("old-ws", "OLDWS", "10.1.1.1", 104)
    result = run_module("orthanc_modalities", {"modalities": entries(1)})
    assert result["removed"] == []
    assert "old-ws" in orthanc.modalities


def test_purge_with_an_empty_list_removes_everything(orthanc, run_module):
    seed(orthanc, entries(2))
    result = run_module("orthanc_modalities", {"purge": True})
    assert result["removed"] == ["m000", "m001"]
    assert orthanc.modalities == {}


def test_check_mode_sends_only_the_read(orthanc, run_module):
    seed(orthanc, entries(2))
    orthanc.add("old-ws", "OLDWS", "10.1.1.1", 104)
    wanted = entries(3)
    wanted[0]["allow_store"] = False

    result = run_module("orthanc_modalities", {"modalities": wanted, "purge": True}, check_mode=True)

    assert result["changed"] is True
    assert (result["added"], result["updated"], result["removed"]) == (["m002"], ["m000"], ["old-ws"])
    assert orthanc.requests == [LIST]
    assert sorted(result["modalities"]) == ["m000", "m001", "m002"]
    assert "old-ws" in orthanc.modalities


def test_diff_holds_only_the_entries_that_change(orthanc, run_module):
    seed(orthanc, entries(3))
    orthanc.add("old-ws", "OLDWS", "10.1.1.1", 104)
    wanted = entries(4)
    wanted[1]["manufacturer"] = "GE"

    result = run_module("orthanc_modalities", {"modalities": wanted, "purge": True}, diff=True)

    assert sorted(result["diff"]["before"]) == ["m001", "old-ws"]
    assert sorted(result["diff"]["after"]) == ["m001", "m003"]
    assert result["diff"]["before"]["m001"]["manufacturer"] == "Generic"
    assert result["diff"]["after"]["m001"]["manufacturer"] == "GE"


def test_dicom_timeout_is_an_alias_of_the_entry_timeout(orthanc, run_module):
    wanted = entries(1)
    wanted[0]["dicom_timeout"] = 15
    run_module("orthanc_modalities", {"modalities": wanted})
    assert orthanc.modalities["m000"]["Timeout"] == 15


def test_every_invalid_entry_is_reported_before_any_request(orthanc, run_module):
    wanted = entries(3)
    wanted[0]["aet"] = "WAY_TOO_LONG_AE_TITLE"
    wanted[1]["port"] = 70000
    wanted[2]["name"] = "m000"

    result = run_module("orthanc_modalities", {"modalities": wanted})

    assert result["failed"] is True
    assert "modality 'm000': aet 'WAY_TOO_LONG_AE_TITLE' is 21 characters long" in result["msg"]
    assert "modality 'm001': port must be an integer from 1 to 65534, got 70000" in result["msg"]
    assert "modality 'm000' is listed more than once" in result["msg"]
    assert orthanc.requests == []


def test_entry_missing_a_required_key_fails_before_any_request(orthanc, run_module):
    result = run_module("orthanc_modalities", {"modalities": [{"name": "x", "aet": "X", "host": "h"}]})
    assert result["failed"] is True
    assert "missing required arguments: port found in modalities" in result["msg"]
    assert orthanc.requests == []


def test_a_failing_write_says_how_many_were_applied(orthanc, run_module, monkeypatch):
    monkeypatch.setattr(
        "ansible_collections.pacs.orthanc.plugins.modules.orthanc_modalities.entries_problems", lambda entries: []
    )
    wanted = entries(3)
    wanted[1]["port"] = 70000  # Orthanc refuses it (the module's own check is bypassed above)

    result = run_module("orthanc_modalities", {"modalities": wanted})

    assert result["failed"] is True
    assert result["msg"].startswith(f"modality 'm001': PUT {URL}/modalities/m001 failed: HTTP 400")
    assert "Parameter out of range" in result["msg"]
    assert result["msg"].endswith("(1 of 3 changes were applied before this one)")
    assert result["requests"] == 3
    assert sorted(orthanc.modalities) == ["m000"]


def test_memory_only_registrations_warn_with_names(orthanc, run_module, tmp_path):
    config_dir = tmp_path / "orthanc"
    config_dir.mkdir()
    (config_dir / "orthanc.json").write_text('{"Name": "x"}')
    (config_dir / "dicom.json").write_text('{"DicomModalitiesInDatabase": false}')

    result = run_module("orthanc_modalities", {"modalities": entries(2), "config_path": str(config_dir)})

    assert result["persistent"] is False
    (warning,) = warnings_of(result)
    assert warning.startswith("Modalities changed (m000, m001) will not survive a restart of Orthanc: ")


def test_no_warning_when_nothing_changes(orthanc, run_module, tmp_path):
    config = tmp_path / "orthanc.json"
    config.write_text('{"DicomModalitiesInDatabase": false}')
    seed(orthanc, entries(2))

    result = run_module("orthanc_modalities", {"modalities": entries(2), "config_path": str(config)})

    assert result["persistent"] is False
    assert warnings_of(result) == []


def test_config_folder_with_a_duplicate_key_is_refused(orthanc, run_module, tmp_path):
    (tmp_path / "a.json").write_text('{"DicomModalitiesInDatabase": true}')
    (tmp_path / "b.json").write_text('{"DicomModalitiesInDatabase": false}')

    result = run_module("orthanc_modalities", {"modalities": entries(1), "config_path": str(tmp_path)})

    assert result["failed"] is True
    assert "top-level key DicomModalitiesInDatabase appears in both a.json and b.json" in result["msg"]
    assert orthanc.requests == []
