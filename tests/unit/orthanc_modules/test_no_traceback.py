"""No parameter value makes a module crash: every module answers any value of any of its options with a result
(a refusal naming the option, or a normal run against the fake Orthanc), never a traceback.

The real AnsibleModule parses each value; run_module fails the test when main() raises anything but the
SystemExit of exit_json/fail_json, or prints something that is not the module's JSON result.
"""

import importlib

import pytest

from .conftest import MODULES

GOOD_ENTRY = {"name": "ct1", "aet": "CT1", "host": "192.0.2.10", "port": 104}
BASE_ARGS = {
    "orthanc_echo": {"aet": "CT1", "host": "192.0.2.10", "port": 104},
    "orthanc_forward_info": {},
    "orthanc_info": {},
    "orthanc_modalities": {"modalities": [GOOD_ENTRY]},
    "orthanc_modality": dict(GOOD_ENTRY),
}
BAD = {
    "int": [-1, 0, -(2**31), 2**63, "abc", "", "1e3", 1.5, None, [], {}],
    "str": ["", " ", "a\nb", "\\", "\x00", "x" * 300, "ÄÖ✓", None, 5, [], {}],
    "path": ["", "relative", "/nonexistent/pacs-orthanc/orthanc.json", "a\nb", None, 5],
    "bool": ["maybe", 2, None, [], "yes please"],
    "list": ["text", 5, None, [None], ["x"], [{}], [{"name": "x"}], {}],
}
# url: every value here is unusable (a usable one would leave the fake Orthanc's address).
BAD_URLS = ["", " ", "not a url", "ftp://orthanc.test", "http://", "http://[::1", "http://host:99999", "http://a b", 5]


def options(name):
    spec = importlib.import_module(f"{MODULES}.{name}").argument_spec()
    return sorted((option, spec[option].get("type", "str")) for option in spec)


CASES = [(name, option, kind) for name in sorted(BASE_ARGS) for option, kind in options(name) if option != "password"]


def check(result, option):
    assert "exception" not in result, result["exception"]
    assert "module_stderr" not in result, result
    if result.get("failed"):
        assert isinstance(result.get("msg"), str) and result["msg"], result


@pytest.mark.parametrize(("name", "option", "kind"), CASES, ids=[f"{n}-{o}" for n, o, _k in CASES])
def test_no_value_of_an_option_gives_a_traceback(orthanc, run_module, name, option, kind):
    values = BAD_URLS if option == "url" else BAD[kind]
    for value in values:
        result = run_module(name, {**BASE_ARGS[name], option: value})
        check(result, option)
        if option == "url" or (option in ("timeout", "startup_timeout") and value in (-1, -(2**31))):
            assert result.get("failed") and option in result["msg"], (value, result)


ENTRY_KEYS = ["name", "aet", "host", "port", "manufacturer", "timeout", "local_aet", "allow_store"]


@pytest.mark.parametrize("key", ENTRY_KEYS)
def test_no_value_inside_a_modality_entry_gives_a_traceback(orthanc, run_module, key):
    kind = {"port": "int", "timeout": "int", "allow_store": "bool"}.get(key, "str")
    for value in BAD[kind]:
        result = run_module("orthanc_modalities", {"modalities": [{**GOOD_ENTRY, key: value}]})
        check(result, key)


def test_a_negative_timeout_is_refused_naming_it(orthanc, run_module):
    result = run_module("orthanc_modality", {**GOOD_ENTRY, "timeout": -1})
    assert result["failed"] and result["msg"] == "timeout must be at least 1 second, got -1"
    assert orthanc.requests == []


def test_an_ipv6_url_in_brackets_is_usable():
    from ansible_collections.pacs.orthanc.plugins.module_utils.api import connection_problems

    assert connection_problems({"url": "http://[::1]:8042", "timeout": 30, "startup_timeout": 0}) == []
    assert "url must be" in connection_problems({"url": "http://::1:8042"})[0]
