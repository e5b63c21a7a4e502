"""Stand-in health probe (the official image ships one at this path): GET /changes?last, which touches the
database, with the port, the scheme (SslEnabled: https, certificate not verified) and the first registered user
read from the generated /tmp/orthanc.json.
Exit 0 when Orthanc answers 200, else 1. Optional arguments: --http_port, --user, --pwd."""

import argparse
import base64
import json
import ssl
import sys
import urllib.request

parser = argparse.ArgumentParser()
parser.add_argument("--http_port", type=int)
parser.add_argument("--user")
parser.add_argument("--pwd")
args = parser.parse_args()

port, user, password, scheme = 8042, None, None, "http"
try:
    with open("/tmp/orthanc.json", encoding="utf-8") as handle:  # noqa: S108 - the documented path
        config = json.load(handle)
    port = config.get("HttpPort", port)
    scheme = "https" if config.get("SslEnabled") else "http"
    if config.get("AuthenticationEnabled") and config.get("RegisteredUsers"):
        user = args.user or next(iter(config["RegisteredUsers"]))
        password = config["RegisteredUsers"].get(user)
except (OSError, ValueError):
    pass
port, user, password = args.http_port or port, args.user or user, args.pwd or password

request = urllib.request.Request(f"{scheme}://localhost:{port}/changes?last")  # noqa: S310 - http or https
if user and password:
    request.add_header("Authorization", "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode())
try:
    context = ssl._create_unverified_context()  # noqa: S323 - a local liveness probe, as the official one
    with urllib.request.urlopen(request, timeout=10, context=context) as answer:  # noqa: S310 - local URL
        sys.exit(0 if answer.status == 200 else 1)
except OSError as error:
    print(error)
    sys.exit(1)
