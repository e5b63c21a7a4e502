"""The one modality rule (module_utils.modality.entries_problems), as the role's filter and the module see it."""

import pytest

from ansible_collections.pacs.orthanc.plugins.filter.modality_problems import FilterModule
from ansible_collections.pacs.orthanc.plugins.module_utils.modality import entries_problems

GOOD = {"name": "ct1", "aet": "CT1", "host": "192.0.2.10", "port": 104}
modality_problems = FilterModule().filters()["modality_problems"]


def test_good_entries_have_no_problem():
    assert entries_problems([GOOD, dict(GOOD, name="ct2", manufacturer="GE", allow_move=False, timeout=5)]) == []


def test_whole_numbers_written_as_strings_are_accepted_like_the_argument_spec_does():
    assert entries_problems([dict(GOOD, port="104", timeout="10")]) == []


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        (dict(GOOD, aet="A" * 17), "modality 'ct1': aet 'AAAAAAAAAAAAAAAAA' is 17 characters long"),
        (dict(GOOD, aet="   "), "modality 'ct1': aet must not be empty or blank"),
        (dict(GOOD, aet="CT1\n"), "modality 'ct1': aet 'CT1\\n' contains a control character"),
        (dict(GOOD, port=0), "modality 'ct1': port must be an integer from 1 to 65534, got 0"),
        (dict(GOOD, port="http"), "modality 'ct1': port must be an integer from 1 to 65534, got 'http'"),
        (dict(GOOD, host=""), "modality 'ct1': host '' must be a host name or IP address without spaces"),
        (dict(GOOD, host=10), "modality 'ct1': host must be a string, got 10"),
        (dict(GOOD, manufacturer="Siemens"), "modality 'ct1': manufacturer 'Siemens' is not accepted"),
        (dict(GOOD, timeout=-1), "modality 'ct1': timeout must be 0 (Orthanc's DicomScuTimeout) or more seconds"),
        (dict(GOOD, timeout="soon"), "modality 'ct1': timeout must be a whole number of seconds, got 'soon'"),
        (dict(GOOD, allow_find="no"), "modality 'ct1': allow_find must be true or false"),
        (dict(GOOD, colour="red"), "modality 'ct1': unknown keys colour; accepted: name, dicom_timeout, aet"),
        (dict(GOOD, name="ct 1"), "modality 'ct 1': name 'ct 1' is not valid"),
        ({"aet": "X", "host": "h", "port": 1}, "entry 1 has no name"),
        ("ct1", "entry 1 must be a mapping with name, aet, host and port, got 'ct1'"),
    ],
)
def test_each_problem_is_named(entry, problem):
    problems = entries_problems([entry])
    assert any(p.startswith(problem) for p in problems), problems


def test_duplicates_and_reserved_names():
    problems = entries_problems([GOOD, GOOD, dict(GOOD, name="client")], reserved=("client",))
    assert problems == [
        "modality 'ct1' is listed more than once",
        "modality 'client': the name is reserved for the role's own registration",
    ]


def test_not_a_list():
    assert entries_problems({"ct1": GOOD}) == ["must be a list of modality entries, got {'ct1': %r}" % GOOD]


def test_the_filter_prefixes_every_problem_with_the_variable():
    assert modality_problems([dict(GOOD, port=0), GOOD], "orthanc_modalities", ["client"]) == [
        "orthanc_modalities: modality 'ct1': port must be an integer from 1 to 65534, got 0",
        "orthanc_modalities: modality 'ct1' is listed more than once",
    ]
