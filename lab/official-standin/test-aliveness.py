"""Stand-in health probe (the official image ships one at this path): GET /changes?last, which touches the
database, with the port and the first registered user read from the generated /tmp/orthanc.json.
Exit 0 when Orthanc answers 200, else 1. Optional arguments: --http_port, --user, --pwd."""

import argparse
import base64
import json
import sys
import urllib.request

parser = argparse.ArgumentParser()
parser.add_argument("--http_port", type=int)
parser.add_argument("--user")
parser.add_argument("--pwd")
args = parser.parse_args()

port, user, password = 8042, None, None
try:
    with open("/tmp/orthanc.json", encoding="utf-8") as handle:  # noqa: S108 - the documented path
        config = json.load(handle)
    port = config.get("HttpPort", port)
    if config.get("AuthenticationEnabled") and config.get("RegisteredUsers"):
        user = args.user or next(iter(config["RegisteredUsers"]))
        password = config["RegisteredUsers"].get(user)
except (OSError, ValueError):
    pass
port, user, password = args.http_port or port, args.user or user, args.pwd or password

request = urllib.request.Request(f"http://localhost:{port}/changes?last")
if user and password:
    request.add_header("Authorization", "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode())
try:
    with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310 - fixed local http URL
        sys.exit(0 if answer.status == 200 else 1)
except OSError as error:
    print(error)
    sys.exit(1)
