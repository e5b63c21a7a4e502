# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # Connection options of every pacs.orthanc module (module_utils/api.py ORTHANC_ARGUMENT_SPEC).
    DOCUMENTATION = r"""
options:
  url:
    description:
      - Base URL of Orthanc's REST API, without a trailing path.
      - If not set, the environment variable E(ORTHANC_URL) is used.
    type: str
    default: http://127.0.0.1:8042
  username:
    description:
      - User for HTTP Basic authentication (one of Orthanc's C(RegisteredUsers)).
      - If not set, the environment variable E(ORTHANC_USERNAME) is used. Without a user no
        C(Authorization) header is sent.
    type: str
  password:
    description:
      - Password for O(username).
      - If not set, the environment variable E(ORTHANC_PASSWORD) is used.
    type: str
  validate_certs:
    description:
      - Verify the TLS certificate when O(url) is C(https://). Set to V(false) only for self-signed test setups.
    type: bool
    default: true
  ca_path:
    description:
      - PEM file of the CA certificate(s) that O(url)'s server certificate must chain to when O(url) is
        C(https://), for instance the fleet CA the role pacs.orthanc.orthanc puts in C(/opt/orthanc/tls/ca.pem).
      - Not set (or empty), the system's trust store is used.
      - If not set, the environment variable E(ORTHANC_CA_PATH) is used.
    type: path
  timeout:
    description:
      - Seconds to wait for one HTTP answer.
    type: int
    default: 30
  startup_timeout:
    description:
      - Seconds to keep retrying while Orthanc is not accepting connections yet, or answers HTTP 502, 503 or
        504 (Orthanc answers 503 while its database is not available). Retries back off from 0.5 to 5 seconds.
      - V(0) fails at the first refused connection.
      - Timeouts, TLS errors and other HTTP errors are never retried.
    type: int
    default: 30
notes:
  - All options above can be set once for every module of the collection with
    C(module_defaults) and the action group C(group/pacs.orthanc.orthanc).
  - Credentials are sent with the first request (preemptive HTTP Basic), so one call is one HTTP request.
"""

    # Whether registrations persist (module_utils/config.py PERSISTENCE_ARGUMENT_SPEC).
    PERSISTENCE = r"""
options:
  config_path:
    description:
      - Path, on the host where the module runs, of the configuration Orthanc was started with (a JSON file,
        or a folder whose C(*.json) files Orthanc merges; comments allowed).
      - The module reads it to report RV(persistent). Orthanc's REST API does not expose the settings involved,
        so without this option RV(persistent) is V(null).
      - Registrations persist when C(DicomModalitiesInDatabase) is true and, with an index plugin (a
        C(PostgreSQL), C(MySQL) or C(Odbc) section with C(EnableIndex) true), C(DatabaseServerIdentifier) is
        set. The plugin stores the modalities under that identifier; unset, Orthanc derives it from the MAC
        addresses, AET and ports, and after a restart on a host whose network interfaces changed it finds none.
      - When registrations do not persist a change lives in Orthanc's memory only (or under an identifier the
        next start may not use), and the module warns.
      - Only the file is read. Settings given to the official Docker image through environment variables
        (C(ORTHANC__...)) are not seen.
    type: path
  require_persistent:
    description:
      - Fail, before sending any request, unless O(config_path) shows
        C(DicomModalitiesInDatabase) true.
    type: bool
    default: false
"""

    # Membership of the collection's action group (meta/runtime.yml), shared by every module.
    ACTIONGROUP = r"""
attributes:
  action_group:
    description: Use C(group/pacs.orthanc.orthanc) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - pacs.orthanc.orthanc
"""
