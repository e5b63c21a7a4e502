"""TLS in the one REST client: the CA option, and the server certificate orthanc_info reports (verify.yml's expiry)."""

import datetime
import ssl

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from ansible_collections.pacs.orthanc.plugins.module_utils import api
from tests.unit.orthanc_modules.conftest import API, URL

HTTPS_URL = URL.replace("http://", "https://")


def write_ca(path, name="test fleet CA"):
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return path


def test_ca_path_is_what_the_https_context_trusts(tmp_path):
    ca = write_ca(tmp_path / "ca.pem")
    context = api.OrthancClient(HTTPS_URL, ca_path=str(ca))._tls_context()
    assert context.verify_mode == ssl.CERT_REQUIRED
    subjects = [dict(rdn[0] for rdn in cert["subject"]) for cert in context.get_ca_certs()]
    assert {"commonName": "test fleet CA"} in subjects


def test_empty_ca_path_means_the_system_trust_store(tmp_path):
    client = api.OrthancClient(HTTPS_URL, ca_path="")
    assert client.ca_path is None
    assert client._tls_context().verify_mode == ssl.CERT_REQUIRED


def test_missing_ca_file_is_an_error(tmp_path):
    with pytest.raises((OSError, ssl.SSLError)):
        api.OrthancClient(HTTPS_URL, ca_path=str(tmp_path / "absent.pem"))._tls_context()


PEER = {
    "subject": ((("commonName", "pacs-1"),),),
    "issuer": ((("organizationName", "Hospital"),), (("commonName", "pacs.orthanc fleet CA"),)),
    "notAfter": "Dec  1 03:40:00 2027 GMT",
}


@pytest.fixture
def https_orthanc(orthanc, monkeypatch):
    """The fake Orthanc behind an https:// URL; the TLS boundary answers with PEER."""
    seen = []

    def peer(host, port, context, timeout):
        seen.append((host, port, context.verify_mode))
        return PEER

    monkeypatch.setattr(f"{API}.http_open", lambda url, **kw: orthanc(url.replace("https://", "http://", 1), **kw))
    monkeypatch.setattr(f"{API}.tls_peer_certificate", peer)
    return seen


def test_orthanc_info_reports_the_served_certificate(https_orthanc, run_module):
    result = run_module("orthanc_info", {"url": HTTPS_URL})

    assert result["tls"]["not_after"] == "2027-12-01T03:40:00Z"
    assert result["tls"]["subject"] == "pacs-1"
    assert result["tls"]["issuer"] == "pacs.orthanc fleet CA"
    assert isinstance(result["tls"]["days_left"], int)
    assert https_orthanc == [("orthanc.test", 8042, ssl.CERT_REQUIRED)]


def test_orthanc_info_over_http_has_no_certificate(orthanc, run_module):
    assert run_module("orthanc_info", {})["tls"] is None


def test_unvalidated_certificate_is_not_parsed(https_orthanc, run_module, monkeypatch):
    monkeypatch.setattr(f"{API}.tls_peer_certificate", lambda *args: {})
    result = run_module("orthanc_info", {"url": HTTPS_URL, "validate_certs": False})
    assert result["tls"] == {"not_after": None, "days_left": None, "subject": None, "issuer": None}


def test_failed_handshake_names_the_url(https_orthanc, run_module, monkeypatch):
    def refuse(*args):
        raise ssl.SSLCertVerificationError("certificate verify failed: unable to get local issuer certificate")

    monkeypatch.setattr(f"{API}.tls_peer_certificate", refuse)
    result = run_module("orthanc_info", {"url": HTTPS_URL})
    assert result["failed"] is True
    assert result["msg"].startswith(f"TLS handshake with {HTTPS_URL} failed: ")
    assert "certificate verify failed" in result["msg"]
