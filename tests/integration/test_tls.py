"""TLS on every hop, on the lab: HTTPS for REST, DICOM TLS gateway -> server across hosts, a fleet CA.

The lab (inventories/lab) converged by test_site.py is turned to orthanc_tls_enabled with a fleet CA of its own
under tests/output, then checked from outside as a user would: this machine is the HTTPS client and the DICOM
modality (pynetdicom with an ssl context, a certificate the fleet CA issued to LABSCU). The classic hosts
publish REST on all interfaces (inventory), the gateway-only host (GATEWAY_ONLY) forwards to SERVERS[0].

The lab is left with TLS on: every session's converged_lab fixture converges it back to the inventory's
settings first. Runs last in tests/integration (file order), after the drills that use plain DICOM.
"""

import datetime
import json
import re
import socket
import ssl
import time
from base64 import b64encode
from http.client import HTTPConnection, HTTPException, HTTPSConnection

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pydicom import dcmread
from pydicom.uid import CTImageStorage
from pynetdicom import AE
from pynetdicom.sop_class import Verification

from tests.conftest import REPO_ROOT, run
from tests.dicom import SENDER_AET, fresh_instances
from tests.integration.conftest import GATEWAY_ONLY, HOSTS, INVENTORY, LAB_PREFIX, SERVERS, recap

CA_DIR = REPO_ROOT / "tests" / "output" / f"fleet-ca-{LAB_PREFIX}"
TLS = ["-e", json.dumps({"orthanc_tls_enabled": True, "orthanc_tls_ca_dir": str(CA_DIR)})]
SERVER_HTTP, GATEWAY_HTTP, SERVER_DICOM, GATEWAY_DICOM = 8042, 8043, 4242, 4243

# Runs inside a lab host: a REST call to one of its instances over HTTPS, checked against the host's CA, with
# the admin password kept on the host (no secret in an argument list).
REMOTE = r"""
import base64, json, ssl, sys, urllib.request
password = open("/opt/orthanc/secrets/admin-password").read()
context = ssl.create_default_context(cafile="/opt/orthanc/tls/ca.pem")
port, method, path, body = json.loads(sys.argv[1])
# A string body goes as it is (/tools/lookup takes the bare UID), anything else as JSON.
data = None if body is None else (body if isinstance(body, str) else json.dumps(body)).encode()
request = urllib.request.Request("https://localhost:%d%s" % (port, path), method=method, data=data)
request.add_header("Authorization", "Basic " + base64.b64encode(("admin:" + password).encode()).decode())
with urllib.request.urlopen(request, timeout=60, context=context) as answer:
    print(answer.read().decode() or "null")
"""


def remote(host, port, method, path, body=None):
    argv = ["docker", "exec", "-i", host, "python3", "-", json.dumps([port, method, path, body])]
    return json.loads(run(argv, input=REMOTE).stdout)


def address(host):
    template = "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}"
    return run(["docker", "inspect", "-f", template, host]).stdout.strip()


def password(host):
    return run(["docker", "exec", host, "cat", "/opt/orthanc/secrets/admin-password"]).stdout


def get(host, port, path, context=None, secret=None):
    """GET over HTTPS with context, or plain HTTP without one; (status, JSON)."""
    if context:
        conn = HTTPSConnection(address(host), port, timeout=30, context=context)
    else:
        conn = HTTPConnection(address(host), port, timeout=30)
    try:
        auth = "Basic " + b64encode(f"admin:{secret}".encode()).decode()
        conn.request("GET", path, headers={"Authorization": auth})
        answer = conn.getresponse()
        return answer.status, json.loads(answer.read())
    finally:
        conn.close()


def served_certificate(host, port=SERVER_HTTP):
    context = ssl.create_default_context(cafile=str(CA_DIR / "ca.pem"))
    context.check_hostname = False
    with socket.create_connection((address(host), port), timeout=30) as sock, context.wrap_socket(sock) as tls:
        return x509.load_der_x509_certificate(tls.getpeercert(binary_form=True))


def issue(directory, common_name, ca_dir=None):
    """A key and certificate for an outside DICOM peer: issued by the fleet CA in ca_dir, or self-signed."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    if ca_dir:
        ca_cert = x509.load_pem_x509_certificate((ca_dir / "ca.pem").read_bytes())
        ca_key = serialization.load_pem_private_key((ca_dir / "ca.key").read_bytes(), password=None)
        issuer, signer = ca_cert.subject, ca_key
    else:
        issuer, signer = name, key
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
        .sign(signer, hashes.SHA256())
    )
    directory.mkdir(parents=True, exist_ok=True)
    key_path, cert_path = directory / f"{common_name}.key", directory / f"{common_name}.pem"
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    key_path.chmod(0o600)
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return cert_path, key_path


def dicom_context(cert_path, key_path):
    """What a modality configured for DICOM TLS uses: its own certificate, the fleet CA to check the server."""
    context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=str(CA_DIR / "ca.pem"))
    context.check_hostname = False  # DICOM peers are known by address and AE title, as dcmtk does
    context.load_cert_chain(str(cert_path), str(key_path))
    return context


def associate(host, port, called_aet, context=None):
    ae = AE(ae_title=SENDER_AET)
    ae.add_requested_context(Verification)
    ae.add_requested_context(CTImageStorage)
    tls_args = (context, None) if context else None
    return ae.associate(address(host), port, ae_title=called_aet, tls_args=tls_args)


def aet(host, gateway=False):
    return ("GW_" if gateway else "") + host.upper().replace("-", "_")


def wait_for(what, predicate, timeout=180, every=3):
    deadline = time.monotonic() + timeout
    while not (value := predicate()):
        assert time.monotonic() < deadline, f"gave up after {timeout} s waiting for {what}"
        time.sleep(every)
    return value


@pytest.fixture(scope="module")
def tls_lab(converged_lab):
    """The lab converged with TLS (a fresh fleet CA), and the recap of that run."""
    run(["rm", "-rf", str(CA_DIR)])
    counts = recap(run(["ansible-playbook", *INVENTORY, "site.yml", *TLS], timeout=3600).stdout)
    assert all(counts[h]["failed"] == 0 for h in HOSTS), counts
    return counts


@pytest.fixture(scope="module")
def peer(tls_lab, tmp_path_factory):
    """This machine as a modality: the lab's sender AE with a certificate from the fleet CA, and an impostor."""
    directory = tmp_path_factory.mktemp("dicom-tls")
    return {
        "trusted": dicom_context(*issue(directory, "labscu", CA_DIR)),
        "untrusted": dicom_context(*issue(directory / "other", "labscu")),
    }


def test_fleet_ca_and_keys_on_the_controller_are_private(tls_lab):
    assert (CA_DIR.stat().st_mode & 0o777) == 0o700
    assert (CA_DIR / "ca.key").stat().st_mode & 0o077 == 0
    for host in HOSTS:
        assert (CA_DIR / "hosts" / host / "key.pem").stat().st_mode & 0o077 == 0
        listing = run(
            [
                "docker",
                "exec",
                host,
                "stat",
                "-c",
                "%n %a %u",
                *(f"/opt/orthanc/tls/{name}" for name in ("ca.pem", "cert.pem", "key.pem", "https.pem")),
            ]
        ).stdout
        modes = dict((line.split()[0].rsplit("/", 1)[1], line.split()[1:]) for line in listing.splitlines())
        assert modes["key.pem"] == ["400", "999"] and modes["https.pem"] == ["400", "999"], modes
        assert modes["ca.pem"][0] == "444" and modes["cert.pem"][0] == "444", modes


def test_https_with_the_ca_succeeds_without_it_fails_and_plain_http_is_refused(tls_lab):
    ca = ssl.create_default_context(cafile=str(CA_DIR / "ca.pem"))
    for host in SERVERS:
        # The certificate names the host's address: full validation, hostname included.
        status, system = get(host, SERVER_HTTP, "/system", ca, password(host))
        assert status == 200 and system["DicomAet"] == aet(host)
        # The system trust store does not know the fleet CA.
        with pytest.raises(ssl.SSLCertVerificationError):
            get(host, SERVER_HTTP, "/system", ssl.create_default_context(), password(host))
        # Plain HTTP to the TLS port gets no HTTP answer at all.
        with pytest.raises((HTTPException, ConnectionError)):
            get(host, SERVER_HTTP, "/system", None, password(host))
    # Every instance's health probe asks over HTTPS, checking the certificate: all healthy.
    for host in HOSTS:
        names = run(
            [
                "docker",
                "exec",
                host,
                "docker",
                "ps",
                "--filter",
                "name=orthanc-orthanc",
                "--format",
                "{{.Names}} {{.Status}}",
            ]
        ).stdout.splitlines()
        probed = [line for line in names if not line.split()[0].endswith("-https-1")]
        assert probed and all("(healthy)" in line for line in probed), names


def test_verify_over_https_shows_each_certificate_expiry(tls_lab):
    proc = run(["ansible-playbook", *INVENTORY, "playbooks/verify.yml", *TLS])
    # The table wraps long lines: compare with whitespace collapsed.
    table = " ".join(proc.stdout.split())
    for host in HOSTS:
        port = SERVER_HTTP if host in SERVERS else GATEWAY_HTTP
        assert re.search(rf"- {host} OK \S+ \S+ \S+ https://localhost:{port} ", table), f"no HTTPS row for {host}"
    expiries = re.findall(r"tls: certificate expires (\S+) \((\d+) days left, issuer pacs.orthanc fleet CA\)", table)
    assert len(expiries) == len(HOSTS), proc.stdout[-4000:]
    assert all(int(days) >= 360 for _date, days in expiries), expiries
    assert f"All {len(HOSTS)} hosts verified" in proc.stdout


def test_second_run_and_check_diff_change_nothing_with_tls(tls_lab):
    counts = recap(run(["ansible-playbook", *INVENTORY, "site.yml", *TLS], timeout=1800).stdout)
    assert {h: counts[h]["changed"] for h in HOSTS} == dict.fromkeys(HOSTS, 0)
    counts = recap(run(["ansible-playbook", *INVENTORY, "site.yml", *TLS, "--check", "--diff"], timeout=1800).stdout)
    assert {h: counts[h]["changed"] for h in HOSTS} == dict.fromkeys(HOSTS, 0)


def test_gateway_to_server_over_dicom_tls_across_hosts(tls_lab, peer, tmp_path):
    gateway, server = GATEWAY_ONLY[0], SERVERS[0]
    # The gateway's registration of its server (on another host) asks for TLS, and C-ECHO works over it.
    entry = remote(gateway, GATEWAY_HTTP, "GET", "/modalities/server/configuration")
    assert entry["UseDicomTls"] is True and entry["Host"] == address(server), entry
    assert remote(gateway, GATEWAY_HTTP, "POST", "/modalities/server/echo", {}) == {}
    # An outside modality sends to the gateway over DICOM TLS; the gateway forwards over TLS to the server.
    uid, path = next(iter(fresh_instances(tmp_path, 1).items()))
    assoc = associate(gateway, GATEWAY_DICOM, aet(gateway, gateway=True), peer["trusted"])
    assert assoc.is_established
    try:
        status = assoc.send_c_store(dcmread(path))
    finally:
        assoc.release()
    assert status.Status == 0x0000
    found = wait_for(
        f"{uid} on {server}",
        lambda: remote(server, SERVER_HTTP, "POST", "/tools/lookup", uid),
    )
    assert found[0]["Type"] == "Instance"


def test_plain_dicom_and_an_untrusted_certificate_are_refused(tls_lab, peer):
    for host, port, called in (
        (SERVERS[0], SERVER_DICOM, aet(SERVERS[0])),
        (GATEWAY_ONLY[0], GATEWAY_DICOM, aet(GATEWAY_ONLY[0], gateway=True)),
    ):
        trusted = associate(host, port, called, peer["trusted"])
        assert trusted.is_established, f"{host}: a certificate from the fleet CA must be accepted"
        assert trusted.send_c_echo().Status == 0x0000
        trusted.release()
        assert not associate(host, port, called).is_established, f"{host}: plain DICOM accepted"
        assert not associate(host, port, called, peer["untrusted"]).is_established, f"{host}: untrusted peer accepted"


def test_certificate_renewed_when_the_threshold_is_crossed(tls_lab):
    """Last: the renewed certificate (500 days) stays; its own later runs change nothing (the days left are above
    the threshold again)."""
    host = SERVERS[0]
    before = served_certificate(host)
    # A threshold above the days left: issued again, and the instances restart with it.
    renew = ["-e", json.dumps({"orthanc_tls_valid_days": 500, "orthanc_tls_renew_days": 499})]
    counts = recap(run(["ansible-playbook", *INVENTORY, "site.yml", *TLS, *renew, "--limit", host]).stdout)
    assert counts[host]["changed"] > 0 and counts[host]["failed"] == 0
    after = served_certificate(host)
    assert after.serial_number != before.serial_number
    assert after.not_valid_after_utc > before.not_valid_after_utc + datetime.timedelta(days=100)
    # Above the threshold nothing is issued: test_second_run_and_check_diff_change_nothing_with_tls.
