"""pacs.orthanc.orthanc_modality through the real AnsibleModule; only the HTTP boundary (api.http_open) is fake."""

import json

import pytest

from tests.unit.orthanc_modules.conftest import URL, warnings_of

CT = {"name": "ct1", "aet": "CT1", "host": "10.0.0.21", "port": 104}


def test_creates_a_complete_entry(orthanc, run_module):
    result = run_module("orthanc_modality", dict(CT, allow_move=False, local_aet="ORTHANC_CT", dicom_timeout=20))

    assert result["changed"] is True
    assert [r[:2] for r in orthanc.requests] == [
        ("GET", "/modalities/ct1/configuration"),
        ("PUT", "/modalities/ct1"),
    ]
    sent = orthanc.requests[1][2]
    assert sent == {
        "AET": "CT1",
        "Host": "10.0.0.21",
        "Port": 104,
        "Manufacturer": "Generic",
        "AllowEcho": True,
        "AllowStore": True,
        "AllowFind": True,
        "AllowFindWorklist": True,
        "AllowGet": True,
        "AllowMove": False,
        "AllowNAction": True,
        "AllowEventReport": True,
        "AllowTranscoding": True,
        "UseDicomTls": False,
        "LocalAet": "ORTHANC_CT",
        "Timeout": 20,
    }
    assert result["modality"]["allow_move"] is False
    assert result["modality"]["timeout"] == 20
    assert result["name"] == "ct1"
    assert len(result["differences"]) == 16


def test_already_present_is_not_changed_and_sends_only_one_get(orthanc, run_module):
    orthanc.add("ct1", "CT1", "10.0.0.21", 104)

    result = run_module("orthanc_modality", CT)

    assert result["changed"] is False
    assert result["differences"] == []
    assert orthanc.requests == [("GET", "/modalities/ct1/configuration", None)]
    assert warnings_of(result) == []


def test_obsolete_manufacturer_rewritten_by_orthanc_compares_equal(orthanc, run_module):
    orthanc.add("ct1", "CT1", "10.0.0.21", 104, Manufacturer="ClearCanvas")

    assert run_module("orthanc_modality", CT)["changed"] is False
    assert orthanc.writes == []


def test_older_orthanc_without_local_aet_and_timeout_keys_stays_idempotent(orthanc, run_module):
    orthanc.add("ct1", "CT1", "10.0.0.21", 104)
    del orthanc.modalities["ct1"]["LocalAet"], orthanc.modalities["ct1"]["Timeout"]

    assert run_module("orthanc_modality", CT)["changed"] is False
    result = run_module("orthanc_modality", dict(CT, local_aet="ME"))
    assert result["changed"] is False
    assert any("does not report local_aet" in w for w in warnings_of(result))
    assert orthanc.writes == []


def test_check_mode_reports_the_change_and_sends_no_write(orthanc, run_module):
    result = run_module("orthanc_modality", CT, check_mode=True)

    assert result["changed"] is True
    assert result["modality"]["aet"] == "CT1"
    assert {method for method, _path, _body in orthanc.requests} == {"GET"}
    assert orthanc.modalities == {}


def test_diff_shows_before_and_after(orthanc, run_module):
    orthanc.add("ct1", "CT1", "10.0.0.21", 104, AllowStore=False)

    result = run_module("orthanc_modality", dict(CT, port=11112), diff=True)

    assert result["changed"] is True
    assert sorted(result["differences"]) == ["allow_store", "port"]
    before, after = result["diff"]["before"], result["diff"]["after"]
    assert (before["port"], after["port"]) == (104, 11112)
    assert (before["allow_store"], after["allow_store"]) is not None
    assert (before["allow_store"], after["allow_store"]) == (False, True)
    assert orthanc.modalities["ct1"]["Port"] == 11112


def test_diff_of_a_new_entry_starts_empty(orthanc, run_module):
    result = run_module("orthanc_modality", CT, check_mode=True, diff=True)
    assert result["diff"]["before"] == {}
    assert result["diff"]["after"]["host"] == "10.0.0.21"


def test_delete(orthanc, run_module):
    orthanc.add("ct1", "CT1", "10.0.0.21", 104)

    result = run_module("orthanc_modality", {"name": "ct1", "state": "absent"}, diff=True)

    assert result["changed"] is True
    assert result["modality"] is None
    assert result["diff"]["after"] == {}
    assert result["diff"]["before"]["aet"] == "CT1"
    assert orthanc.writes == [("DELETE", "/modalities/ct1", None)]
    assert orthanc.modalities == {}


def test_delete_of_an_absent_modality_is_not_changed(orthanc, run_module):
    result = run_module("orthanc_modality", {"name": "ct1", "state": "absent"})
    assert result["changed"] is False
    assert orthanc.writes == []


def test_delete_in_check_mode_sends_no_write(orthanc, run_module):
    orthanc.add("ct1", "CT1", "10.0.0.21", 104)
    result = run_module("orthanc_modality", {"name": "ct1", "state": "absent"}, check_mode=True)
    assert result["changed"] is True
    assert orthanc.writes == []
    assert "ct1" in orthanc.modalities


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"aet": "A" * 17}, "aet 'AAAAAAAAAAAAAAAAA' is 17 characters long; an AE title has at most 16"),
        ({"aet": "CT\\1"}, "contains a backslash"),
        ({"aet": "CT\n1"}, "contains a control character"),
        ({"aet": "   "}, "aet must not be empty or blank"),
        ({"port": 0}, "port must be an integer from 1 to 65534, got 0"),
        ({"port": 65535}, "port must be an integer from 1 to 65534, got 65535"),
        ({"name": "ct.1"}, "name 'ct.1' is not valid: Orthanc accepts only letters, digits, '-' and '_'"),
        ({"host": "bad host"}, "host 'bad host' must be a host name or IP address without spaces"),
        ({"local_aet": "X" * 20}, "local_aet 'XXXXXXXXXXXXXXXXXXXX' is 20 characters long"),
        ({"dicom_timeout": -1}, "dicom_timeout must be 0 (Orthanc's DicomScuTimeout) or more seconds, got -1"),
        ({"manufacturer": "ge"}, "value of manufacturer must be one of: Generic, GenericNoWildcardInDates"),
    ],
)
def test_invalid_input_fails_before_any_request(orthanc, run_module, override, message):
    result = run_module("orthanc_modality", dict(CT, **override))
    assert result["failed"] is True
    assert message in result["msg"]
    assert orthanc.requests == []


def test_present_needs_aet_host_and_port(orthanc, run_module):
    result = run_module("orthanc_modality", {"name": "ct1"})
    assert result["failed"] is True
    assert "state is present but all of the following are missing: aet, host, port" in result["msg"]
    assert orthanc.requests == []


def test_orthanc_refusal_names_request_status_and_orthanc_message(orthanc, run_module, monkeypatch):
    # Skip the module's own port check to see Orthanc's answer travel into the message.
    monkeypatch.setattr(
        "ansible_collections.pacs.orthanc.plugins.modules.orthanc_modality.validate_entry", lambda *a, **k: []
    )
    result = run_module("orthanc_modality", dict(CT, port=70000))
    assert result["failed"] is True
    assert result["msg"] == (
        f"modality 'ct1': PUT {URL}/modalities/ct1 failed: HTTP 400 Error - Orthanc: Parameter out of range "
        "(A TCP port number must be ...)"
    )
    assert result["status"] == 400


def test_wrong_password_says_so(orthanc, run_module):
    result = run_module("orthanc_modality", dict(CT, password="wrong"))  # noqa: S106
    assert result["failed"] is True
    assert f"GET {URL}/modalities/ct1/configuration failed: HTTP 401 Unauthorized" in result["msg"]
    assert "check username and password" in result["msg"]
    assert "wrong" not in json.dumps(result)


def test_retries_while_orthanc_starts(orthanc, run_module, clock):
    orthanc.refuse_connections = 3
    orthanc.unavailable = 1

    result = run_module("orthanc_modality", CT)

    assert result["changed"] is True
    assert clock.sleeps == [0.5, 1, 2, 4]
    assert [r[0] for r in orthanc.requests] == ["GET"] * 5 + ["PUT"]


def test_retry_is_bounded_by_startup_timeout(orthanc, run_module, clock):
    orthanc.refuse_connections = 1000

    result = run_module("orthanc_modality", dict(CT, startup_timeout=10))

    assert result["failed"] is True
    assert result["msg"] == (
        f"modality 'ct1': GET {URL}/modalities/ct1/configuration: cannot reach Orthanc (retried for 10 s): "
        "[Errno 111] Connection refused"
    )
    assert sum(clock.sleeps) <= 10
    assert len(orthanc.requests) == len(clock.sleeps) + 1


def test_startup_timeout_zero_fails_at_once(orthanc, run_module, clock):
    orthanc.refuse_connections = 1
    result = run_module("orthanc_modality", dict(CT, startup_timeout=0))
    assert result["failed"] is True
    assert "cannot reach Orthanc: [Errno 111] Connection refused" in result["msg"]
    assert clock.sleeps == []


def test_database_unavailable_after_retries_is_reported(orthanc, run_module):
    orthanc.unavailable = 1000
    result = run_module("orthanc_modality", dict(CT, startup_timeout=5))
    assert result["failed"] is True
    assert "HTTP 503" in result["msg"]
    assert "The database is currently not available" in result["msg"]
    assert "still failing after retrying for 5 s" in result["msg"]


def test_connection_options_reach_the_http_layer(orthanc, run_module):
    run_module("orthanc_modality", dict(CT, validate_certs=False, timeout=7))
    call = orthanc.calls[0]
    assert call["force_basic_auth"] is True
    assert (call["url_username"], call["url_password"]) == ("admin", "secret")
    assert call["validate_certs"] is False
    assert call["timeout"] == 7


def test_connection_from_environment(orthanc, run_module, monkeypatch):
    monkeypatch.setenv("ORTHANC_URL", URL + "/")
    monkeypatch.setenv("ORTHANC_USERNAME", "admin")
    monkeypatch.setenv("ORTHANC_PASSWORD", "secret")

    result = run_module("orthanc_modality", CT, connection=False)

    assert result["changed"] is True
    assert orthanc.calls[0]["url"] == URL + "/modalities/ct1/configuration"


def test_persistence_unknown_warns_on_change(orthanc, run_module):
    result = run_module("orthanc_modality", CT)
    assert result["persistent"] is None
    assert any("whether they persist is unknown" in w for w in warnings_of(result))


def test_memory_only_registration_warns(orthanc, run_module, tmp_path):
    config = tmp_path / "orthanc.json"
    config.write_text('{\n  // Orthanc keeps comments\n  "DicomModalitiesInDatabase": false\n}\n')

    result = run_module("orthanc_modality", dict(CT, config_path=str(config)))

    assert result["persistent"] is False
    (warning,) = warnings_of(result)
    assert warning == (
        f"Modalities changed (ct1) will not survive a restart of Orthanc: DicomModalitiesInDatabase is false in "
        f"{config}: REST registrations live in Orthanc's memory only and vanish at the next restart."
    )


def test_postgresql_index_without_server_identifier_is_not_persistent(orthanc, run_module, tmp_path):
    config = tmp_path / "orthanc.json"
    config.write_text('{"DicomModalitiesInDatabase": true, "PostgreSQL": {"EnableIndex": true}}')

    result = run_module("orthanc_modality", dict(CT, config_path=str(config)))

    assert result["persistent"] is False
    (warning,) = warnings_of(result)
    assert "the PostgreSQL index stores modalities under DatabaseServerIdentifier, which is not set" in warning
    assert "Set DatabaseServerIdentifier to a stable value" in warning


def test_postgresql_index_with_server_identifier_is_persistent(orthanc, run_module, tmp_path):
    config = tmp_path / "orthanc.json"
    config.write_text(
        '{"DicomModalitiesInDatabase": true, "DatabaseServerIdentifier": "pacs-1", "PostgreSQL": {"EnableIndex": true}}'
    )
    result = run_module("orthanc_modality", dict(CT, config_path=str(config)))
    assert result["persistent"] is True
    assert warnings_of(result) == []


def test_database_registration_is_persistent_and_quiet(orthanc, run_module, tmp_path):
    config = tmp_path / "orthanc.json"
    config.write_text('{"DicomModalitiesInDatabase": true /* stored in the index */}')

    result = run_module("orthanc_modality", dict(CT, config_path=str(config)))

    assert result["persistent"] is True
    assert warnings_of(result) == []


def test_require_persistent_fails_before_any_request(orthanc, run_module, tmp_path):
    config = tmp_path / "orthanc.json"
    config.write_text("{}")

    result = run_module("orthanc_modality", dict(CT, config_path=str(config), require_persistent=True))

    assert result["failed"] is True
    assert result["msg"].startswith("require_persistent is set, but registrations would not persist: ")
    assert "DicomModalitiesInDatabase is false" in result["msg"]
    assert orthanc.requests == []


def test_require_persistent_needs_config_path(orthanc, run_module):
    result = run_module("orthanc_modality", dict(CT, require_persistent=True))
    assert result["failed"] is True
    assert "require_persistent is set but config_path is not" in result["msg"]
    assert orthanc.requests == []


def test_unreadable_config_path_fails(orthanc, run_module, tmp_path):
    result = run_module("orthanc_modality", dict(CT, config_path=str(tmp_path / "missing.json")))
    assert result["failed"] is True
    assert "missing.json does not exist on this host" in result["msg"]
    assert orthanc.requests == []
