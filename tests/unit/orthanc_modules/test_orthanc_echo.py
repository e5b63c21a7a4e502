"""pacs.orthanc.orthanc_echo through the real AnsibleModule; only the HTTP boundary (api.http_open) is fake."""

import pytest

from tests.unit.orthanc_modules.conftest import URL


def test_echo_to_a_registered_modality(orthanc, run_module):
    orthanc.add("ct1", "CT1", "10.0.0.21", 104)

    result = run_module("orthanc_echo", {"name": "ct1"})

    assert result["changed"] is False
    assert isinstance(result["elapsed"], float)
    assert result["elapsed"] >= 0
    assert orthanc.requests == [("POST", "/modalities/ct1/echo", {})]
    assert result["peer"]["name"] == "ct1"


def test_dicom_timeout_is_sent_and_the_http_timeout_outlasts_it(orthanc, run_module):
    orthanc.add("ct1", "CT1", "10.0.0.21", 104)

    run_module("orthanc_echo", {"name": "ct1", "dicom_timeout": 25, "timeout": 5})

    assert orthanc.requests[0][2] == {"Timeout": 25}
    assert orthanc.calls[0]["timeout"] == 35


def test_ad_hoc_echo(orthanc, run_module):
    result = run_module("orthanc_echo", {"aet": "ARCHIVE", "host": "10.0.0.5", "port": 11112})
    assert result["changed"] is False
    assert orthanc.requests == [("POST", "/tools/dicom-echo", {"AET": "ARCHIVE", "Host": "10.0.0.5", "Port": 11112})]


def test_echo_runs_in_check_mode_too(orthanc, run_module):
    orthanc.add("ct1", "CT1", "10.0.0.21", 104)
    result = run_module("orthanc_echo", {"name": "ct1"}, check_mode=True)
    assert result["changed"] is False
    assert len(orthanc.requests) == 1


def test_peer_that_does_not_answer_fails_clearly(orthanc, run_module):
    orthanc.add("ct1", "CT1", "10.0.0.21", 104)
    orthanc.echo_ok = False

    result = run_module("orthanc_echo", {"name": "ct1"})

    assert result["failed"] is True
    assert result["msg"].startswith("C-ECHO to modality 'ct1' failed after ")
    assert "the peer did not answer or refused the association" in result["msg"]
    assert 'Error in the network protocol (DicomAssociation - connecting to AET "CT1"' in result["msg"]
    assert isinstance(result["elapsed"], float)
    assert len(orthanc.requests) == 1  # a failed echo is not retried


def test_ad_hoc_peer_that_does_not_answer(orthanc, run_module):
    orthanc.echo_ok = False
    result = run_module("orthanc_echo", {"aet": "GONE", "host": "10.0.0.5", "port": 11112})
    assert result["failed"] is True
    assert result["msg"].startswith("C-ECHO to AET 'GONE' at 10.0.0.5:11112 failed after ")


def test_unknown_modality(orthanc, run_module):
    result = run_module("orthanc_echo", {"name": "nobody"})
    assert result["failed"] is True
    assert result["msg"] == (
        "C-ECHO to modality 'nobody': no such modality is registered in Orthanc "
        "(Accessing an inexistent item (No modality with symbolic name: nobody))"
    )


def test_orthanc_unreachable(orthanc, run_module):
    orthanc.refuse_connections = 1
    result = run_module("orthanc_echo", {"name": "ct1", "startup_timeout": 0})
    assert result["failed"] is True
    assert result["msg"] == (
        f"C-ECHO to modality 'ct1': POST {URL}/modalities/ct1/echo: "
        "cannot reach Orthanc: [Errno 111] Connection refused"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"name": "ct1", "aet": "X"}, "parameters are mutually exclusive: name|aet"),
        ({"aet": "X", "host": "h"}, "parameters are required together: aet, host, port"),
        ({}, "one of the following is required: name, aet"),
        ({"aet": "X" * 17, "host": "h", "port": 104}, "is 17 characters long"),
        ({"aet": "X", "host": "h", "port": 0}, "port must be an integer from 1 to 65534, got 0"),
        ({"name": "a b"}, "name 'a b' is not valid"),
        ({"name": "ct1", "dicom_timeout": 0}, "dicom_timeout must be at least 1 second, got 0"),
    ],
)
def test_invalid_input_fails_before_any_request(orthanc, run_module, args, message):
    result = run_module("orthanc_echo", args)
    assert result["failed"] is True
    assert message in result["msg"]
    assert orthanc.requests == []
