"""The plain functions behind the modules: validation, normalisation, configuration reading, the client."""

import io
import ssl
import urllib.error

import pytest

from ansible_collections.pacs.orthanc.plugins.module_utils import api, config, modality


@pytest.mark.parametrize("aet", ["A", "ORTHANC", "X" * 16, "CT 1", "ct-1_a"])
def test_valid_ae_titles(aet):
    assert modality.aet_problem(aet) is None


@pytest.mark.parametrize(
    ("aet", "fragment"),
    [
        (None, "aet is required"),
        ("", "must not be empty"),
        ("X" * 17, "17 characters long"),
        ("A\\B", "backslash"),
        ("A\tB", "control character"),
        ("A\x7fB", "control character"),
    ],
)
def test_invalid_ae_titles(aet, fragment):
    assert fragment in modality.aet_problem(aet)


@pytest.mark.parametrize(("port", "ok"), [(1, True), (65534, True), (0, False), (65535, False), (True, False)])
def test_port_range(port, ok):
    assert (modality.port_problem(port) is None) is ok


@pytest.mark.parametrize(("name", "ok"), [("ct-1_A", True), ("", False), ("a.b", False), ("a/b", False), ("é", False)])
def test_names(name, ok):
    assert (modality.name_problem(name) is None) is ok


def test_desired_entry_fills_orthanc_defaults():
    entry = modality.desired_entry({"aet": "A", "host": "h", "port": 104, "local_aet": None})
    assert entry["Manufacturer"] == "Generic"
    assert entry["LocalAet"] == ""
    assert entry["Timeout"] == 0
    assert entry["AllowTranscoding"] is True
    assert len(entry) == 16


def test_normalize_live_short_form_and_obsolete_names():
    assert modality.normalize_live(["A", "h", "104"]) == {"AET": "A", "Host": "h", "Port": 104}
    live = modality.normalize_live({"AET": "A", "Host": "h", "Port": 104, "Manufacturer": "SyngoVia", "New": 1})
    assert live["Manufacturer"] == "GenericNoWildcardInDates"
    assert "New" not in live


def test_differences_compare_only_what_the_server_reports():
    desired = modality.desired_entry({"aet": "A", "host": "h", "port": 104, "local_aet": "ME"})
    live = modality.normalize_live({"AET": "A", "Host": "h", "Port": 104})
    assert modality.differences(desired, live) == []
    assert modality.unreported(desired, live) == ["local_aet"]
    assert len(modality.differences(desired, None)) == 16


def test_to_module_shape_round_trip():
    shaped = modality.to_module_shape(modality.desired_entry({"aet": "A", "host": "h", "port": 1}))
    assert shaped["local_aet"] is None
    assert shaped["allow_n_action"] is True
    assert modality.to_module_shape(None) is None


def test_modality_path_quotes_the_name():
    assert modality.modality_path("a b", "/echo") == "/modalities/a%20b/echo"


def test_strip_comments_keeps_strings():
    text = '{\n // line\n "a": "http://x", /* block\n */ "b": "/* not a comment */"\n}'
    assert config.strip_comments(text).replace(" ", "").replace("\n", "") == '{"a":"http://x","b":"/*notacomment*/"}'


def test_unterminated_comment_is_an_error(tmp_path):
    path = tmp_path / "o.json"
    path.write_text('{"a": 1 /* oops')
    with pytest.raises(config.ConfigError, match="not valid JSON: unterminated"):
        config.load_config(str(path))


def test_config_folder_merges_json_files_only(tmp_path):
    (tmp_path / "a.json").write_text('{"Name": "x"}')
    (tmp_path / "b.json").write_text('{"DicomModalitiesInDatabase": true}')
    (tmp_path / "notes.txt").write_text("not json")
    assert config.load_config(str(tmp_path)) == {"Name": "x", "DicomModalitiesInDatabase": True}
    assert config.modalities_in_database(str(tmp_path)) is True


def test_orthanc_default_is_memory_only(tmp_path):
    path = tmp_path / "o.json"
    path.write_text("{}")
    assert config.modalities_in_database(str(path)) is False


def test_orthanc_message_forms():
    assert api.orthanc_message({"OrthancError": "Bad", "Details": "why"}) == "Bad (why)"
    assert api.orthanc_message({"Message": "Bad"}) == "Bad"
    assert api.orthanc_message("plain text\n") == "plain text"
    assert api.orthanc_message(None) == ""


def test_argument_spec_is_copied_per_module():
    spec = api.orthanc_argument_spec(extra=dict(type="str"))
    spec["url"]["default"] = "changed"
    assert api.ORTHANC_ARGUMENT_SPEC["url"]["default"] == "http://127.0.0.1:8042"
    assert api.ORTHANC_ARGUMENT_SPEC["password"]["no_log"] is True
    assert "extra" in spec


class _Opener:
    def __init__(self, *outcomes):
        self.outcomes = list(outcomes)
        self.urls = []

    def __call__(self, url, **kwargs):
        self.urls.append(url)
        outcome = self.outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome


class _Answer:
    status = 200

    def __init__(self, payload):
        self.payload = payload

    def read(self):
        return self.payload


def test_client_decodes_json_text_and_empty_bodies():
    opener = _Opener(_Answer(b'{"a": 1}'), _Answer(b"20260101T000000"), _Answer(b""))
    client = api.OrthancClient("http://o:8042/", opener=opener)
    assert client.get("/x") == (200, {"a": 1})
    assert client.get("/now") == (200, "20260101T000000")
    assert client.put("/y", {}) == (200, None)
    assert opener.urls[0] == "http://o:8042/x"


def test_client_timeout_is_not_retried():
    clock = iter(range(100))
    opener = _Opener(urllib.error.URLError(TimeoutError("timed out")))
    client = api.OrthancClient(opener=opener, clock=lambda: next(clock), sleep=lambda s: None)
    with pytest.raises(api.OrthancError, match=r"GET http://127.0.0.1:8042/system: no answer within 30 s"):
        client.get("/system")
    assert client.requests == 1


def test_client_accepts_listed_errors_with_their_document():
    body = io.BytesIO(b'{"Message": "Accessing an inexistent item"}')
    opener = _Opener(urllib.error.HTTPError("u", 404, "Not Found", {}, body))
    client = api.OrthancClient(opener=opener)
    assert client.get("/modalities/x/configuration", accept_errors=(404,)) == (
        404,
        {"Message": "Accessing an inexistent item"},
    )


def test_client_error_without_body_still_names_request_and_status():
    opener = _Opener(urllib.error.HTTPError("u", 403, "Forbidden", {}, io.BytesIO(b"")))
    client = api.OrthancClient(opener=opener)
    with pytest.raises(api.OrthancError) as exc:
        client.delete("/modalities/x")
    assert str(exc.value).startswith("DELETE http://127.0.0.1:8042/modalities/x failed: HTTP 403 Forbidden")
    assert exc.value.status == 403


def test_one_tls_context_serves_every_request():
    opener = _Opener(_Answer(b"{}"), _Answer(b"{}"))
    contexts = []
    client = api.OrthancClient(opener=lambda url, **kw: contexts.append(kw["context"]) or opener(url, **kw))
    client.get("/a")
    client.get("/b")
    assert contexts[0] is contexts[1]


@pytest.mark.parametrize(("validate", "mode"), [(True, ssl.CERT_REQUIRED), (False, ssl.CERT_NONE)])
def test_https_context_follows_validate_certs(validate, mode):
    context = api.OrthancClient("https://pacs.example:8042", validate_certs=validate)._tls_context()
    assert context.verify_mode == mode
    assert context.check_hostname is validate
