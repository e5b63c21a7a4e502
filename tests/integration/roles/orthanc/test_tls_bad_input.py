"""TLS input the orthanc role refuses in preflight, naming the variable, before the host changes.

Real certificates made here with cryptography; the role reads them on the controller with community.crypto.
"""

import datetime
import io
import json
import os
import tarfile

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.conftest import REPO_ROOT, run
from tests.integration.roles.orthanc.test_bad_input import GOOD_MODALITY, apply_role

PREFLIGHT = REPO_ROOT / "tests" / "integration" / "roles" / "orthanc" / "tls_preflight.yml"
NOW = datetime.datetime.now(datetime.timezone.utc)
DAY = datetime.timedelta(days=1)


def key_pem(key):
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def cert_pem(cert):
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def name(common_name):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


@pytest.fixture(scope="module")
def pki():
    """A CA, and certificates it issued for this controller (localhost) in good and bad shapes."""
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(name("test CA"))
        .issuer_name(name("test CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - DAY)
        .not_valid_after(NOW + 30 * DAY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(ca_key, hashes.SHA256())
    )

    def leaf(key, names, not_before=NOW - DAY, not_after=NOW + 30 * DAY):
        return (
            x509.CertificateBuilder()
            .subject_name(name(names[0]))
            .issuer_name(ca.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(not_before)
            .not_valid_after(not_after)
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=False)
            .sign(ca_key, hashes.SHA256())
        )

    key, other_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    return {
        "ca": cert_pem(ca),
        "key": key_pem(key),
        "other_key": key_pem(other_key),
        "good": cert_pem(leaf(key, ["localhost"])),
        "expired": cert_pem(leaf(key, ["localhost"], NOW - 60 * DAY, NOW - 30 * DAY)),
        "elsewhere": cert_pem(leaf(key, ["pacs.elsewhere.example"])),
    }


def given(pki, tmp_path, cert="good", key="key", ca="ca"):
    """orthanc_tls_source: given, the certificate and CA as files on the controller, the key as PEM text."""
    (tmp_path / "cert.pem").write_text(pki[cert])
    (tmp_path / "ca.pem").write_text(pki[ca]) if ca else None
    return {
        "orthanc_tls_enabled": True,
        "orthanc_tls_source": "given",
        "orthanc_tls_certificate": str(tmp_path / "cert.pem"),
        "orthanc_tls_private_key": pki[key],
        "orthanc_tls_ca_certificate": str(tmp_path / "ca.pem") if ca else "",
    }


CASES = {
    "key_not_matching": (dict(key="other_key"), "orthanc_tls_private_key does not match orthanc_tls_certificate"),
    "expired": (dict(cert="expired"), "orthanc_tls_certificate expired on "),
    "not_naming_the_host": (dict(cert="elsewhere"), "orthanc_tls_certificate does not name this host"),
    "ca_missing": (dict(ca=None), "orthanc_tls_ca_certificate is empty"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_given_certificates_are_refused_before_the_host_changes(pki, tmp_path, case):
    shape, message = CASES[case]
    proc, project = apply_role(tmp_path, given(pki, tmp_path, **shape))
    assert proc.returncode != 0, proc.stdout[-3000:]
    assert message in " ".join(proc.stdout.split()), proc.stdout[-3000:]
    assert not project.exists(), "the role wrote to the host before refusing its input"
    # The private key (PEM text, as from a vault) never appears in the output.
    body = pki[shape.get("key", "key")].splitlines()[1]
    assert body not in proc.stdout + proc.stderr


def test_a_ca_path_that_does_not_exist_is_refused(pki, tmp_path):
    variables = dict(given(pki, tmp_path), orthanc_tls_ca_certificate=str(tmp_path / "absent.pem"))
    proc, project = apply_role(tmp_path, variables)
    assert proc.returncode != 0
    message = "orthanc_tls_ca_certificate is neither PEM text nor a file on the controller"
    assert message in " ".join(proc.stdout.split())
    assert not project.exists()


# Preflight reads the Orthanc image's labels last: a label-only image (nothing to run) of a patched Orthanc.
PATCHED_IMAGE = f"pacs-test-tls/orthanc:1.13.0-{os.getpid()}"


@pytest.fixture
def patched_image():
    empty = io.BytesIO()
    with tarfile.open(fileobj=empty, mode="w"):
        pass
    run(["docker", "import", "--change", "LABEL pacs.orthanc.orthanc.version=1.13.0", "-", PATCHED_IMAGE],
        input=empty.getvalue())  # fmt: skip
    yield PATCHED_IMAGE
    run(["docker", "image", "rm", PATCHED_IMAGE], check=False)


def test_good_given_certificates_pass_preflight(pki, tmp_path, patched_image):
    images = {"orthanc": patched_image, "postgres": "pacs.local/postgres:test", "adminer": "pacs.local/adminer:test"}
    variables = dict(given(pki, tmp_path), orthanc_project_dir=str(tmp_path / "project"), orthanc_images=images)
    proc = run(["ansible-playbook", "-i", "localhost,", str(PREFLIGHT), "-e", json.dumps(variables)], check=False)
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert pki["key"].splitlines()[1] not in proc.stdout + proc.stderr


FLEET_CASES = {
    "renew_not_below_validity": (
        {"orthanc_tls_enabled": True, "orthanc_tls_valid_days": 30, "orthanc_tls_renew_days": 30},
        "orthanc_tls_renew_days 0 or more and less than orthanc_tls_valid_days",
    ),
    "modality_tls_without_tls": (
        {"orthanc_modalities": [{**GOOD_MODALITY, "use_dicom_tls": True}]},
        "Modalities ct1 set use_dicom_tls, which needs orthanc_tls_enabled: true",
    ),
}


@pytest.mark.parametrize("case", sorted(FLEET_CASES))
def test_bad_tls_settings_are_refused(tmp_path, case):
    extra, message = FLEET_CASES[case]
    proc, project = apply_role(tmp_path, extra)
    assert proc.returncode != 0, proc.stdout[-3000:]
    assert message in " ".join(proc.stdout.split()), proc.stdout[-3000:]
    assert not project.exists()
