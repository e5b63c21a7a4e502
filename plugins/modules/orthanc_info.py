#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: orthanc_info
short_description: Facts about a running Orthanc, its plugins, statistics and database index
version_added: 0.1.0
description:
  - Reads C(/system), C(/plugins) (and each plugin's details), C(/statistics), and probes the database
    with C(GET /changes?last), which, unlike the cached C(/system), needs the index database to answer.
  - RV(index) tells the PostgreSQL index from Orthanc's built-in SQLite one by C(DatabaseBackendPlugin) in
    C(/system). A loaded C(postgresql-index) plugin alone proves nothing (it stays loaded with
    C(EnableIndex) false), so the backend is never taken from C(/plugins).
  - With O(expect_index) the module fails unless the live backend is the expected one and its database
    answers, so one task confirms that the PostgreSQL index is really active.
  - With an C(https://) O(url), RV(tls) reports the certificate the server presents (expiry, names).
  - Never changes anything.
author:
  - pacs.orthanc contributors (!UNKNOWN)
extends_documentation_fragment:
  - pacs.orthanc.orthanc
  - pacs.orthanc.orthanc.actiongroup
attributes:
  check_mode:
    description: Can run in check mode and return changed status prediction without modifying target.
    support: full
    details: Sends only C(GET) requests, in check mode or not.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: N/A
    details: Never changes anything.
options:
  expect_index:
    description:
      - Fail unless Orthanc's live index backend is this one and its database answers the probe.
      - Unset reports the facts without judging them.
    type: str
    choices: [postgresql, sqlite]
  database_timeout:
    description:
      - Seconds to wait for the database probe (C(GET /changes?last)). When the index database is down,
        Orthanc holds such requests while it retries its connection, so this bounds the wait.
      - C(/statistics) is read only when the probe succeeds, for the same reason.
    type: int
    default: 10
  config_path:
    description:
      - Path, on the host where the module runs, of the configuration Orthanc was started with (a JSON file,
        or a folder whose C(*.json) files Orthanc merges; comments allowed).
      - Read to report RV(modalities_in_database) and RV(modalities_persistent); Orthanc's REST API does not
        expose these settings.
    type: path
seealso:
  - module: pacs.orthanc.orthanc_modalities
"""

EXAMPLES = r"""
- name: Confirm in one task that Orthanc really uses its PostgreSQL index
  pacs.orthanc.orthanc_info:
    url: http://127.0.0.1:8042
    username: admin
    password: "{{ orthanc_admin_password }}"
    expect_index: postgresql

- name: Gather facts
  pacs.orthanc.orthanc_info:
    config_path: /etc/orthanc/orthanc.json
  register: _orthanc

- name: Warn when modalities registered through REST would not survive a restart
  ansible.builtin.debug:
    msg: "DicomModalitiesInDatabase is false: modalities added through REST live in memory only"
  when: _orthanc.modalities_in_database is false

- name: Show the version and the instance count
  ansible.builtin.debug:
    msg: "Orthanc {{ _orthanc.system.Version }}, {{ _orthanc.statistics.CountInstances }} instances"
"""

RETURN = r"""
system:
  description: C(GET /system) as Orthanc returns it (keys vary with the version).
  returned: always
  type: dict
  sample:
    Name: pacs
    Version: 1.12.7
    ApiVersion: 27
    DicomAet: ORTHANC
    DicomPort: 4242
    HttpPort: 8042
    DatabaseVersion: 6
    DatabaseBackendPlugin: /usr/share/orthanc/plugins/libOrthancPostgreSQLIndex.so
    StorageAreaPlugin: null
plugins:
  description: Every loaded plugin keyed by its ID, with C(GET /plugins/{id}) (C(Version), C(Description), ...).
  returned: always
  type: dict
  sample:
    postgresql-index:
      ID: postgresql-index
      Version: "5.0"
      Description: Stores the Orthanc index into a PostgreSQL database
statistics:
  description:
    - C(GET /statistics) (C(CountPatients), C(CountStudies), C(CountSeries), C(CountInstances), sizes).
    - V(null) when the database does not answer (Orthanc would hold the request).
  returned: always
  type: dict
  sample:
    CountInstances: 0
    CountPatients: 0
    CountSeries: 0
    CountStudies: 0
    TotalDiskSizeMB: 0
index:
  description: The index database Orthanc is using right now.
  returned: always
  type: dict
  contains:
    backend:
      description:
        - V(postgresql) or V(sqlite) (built-in, C(DatabaseBackendPlugin) null); V(other) for another
          index plugin (MySQL, ODBC).
      type: str
      sample: postgresql
    plugin:
      description: Resolved path of the index plugin (C(DatabaseBackendPlugin)); V(null) for SQLite.
      type: str
      sample: /usr/lib/orthanc/libOrthancPostgreSQLIndex.so.4.0
    plugin_version:
      description: Version of the index plugin as C(/plugins/{id}) reports it; V(null) for SQLite.
      type: str
      sample: "4.0"
    database_answers:
      description: V(true) when C(GET /changes?last) answered within O(database_timeout).
      type: bool
      sample: true
    database_error:
      description: Why the probe failed; V(null) when the database answers.
      type: str
      sample: null
    last_change:
      description: Sequence number of the last change in the index (C(Last) of C(/changes?last)).
      type: int
      sample: 42
tls:
  description:
    - The certificate the server presents, read with a separate TLS handshake; V(null) for an C(http://) O(url).
    - Its values are V(null) with O(validate_certs=false) (only a validated certificate is parsed).
  returned: always
  type: dict
  contains:
    not_after:
      description: End of validity, ISO 8601 in UTC.
      type: str
      sample: "2027-12-01T03:40:00Z"
    days_left:
      description: Whole days until RV(tls.not_after).
      type: int
      sample: 364
    subject:
      description: Common name of the certificate.
      type: str
      sample: pacs-lab-1
    issuer:
      description: Common name of its issuer.
      type: str
      sample: pacs.orthanc fleet CA
modalities_in_database:
  description:
    - C(DicomModalitiesInDatabase) read from O(config_path); V(null) when O(config_path) is not given.
    - V(true) means modalities registered through REST are written to the index database.
  returned: always
  type: bool
  sample: true
modalities_persistent:
  description:
    - Whether modalities registered through REST survive a restart, read from O(config_path). They do when
      C(DicomModalitiesInDatabase) is true and, with an index plugin, C(DatabaseServerIdentifier) is set (the
      plugin stores the list under that identifier, which otherwise derives from MAC addresses and ports).
    - V(null) when O(config_path) is not given.
  returned: always
  type: bool
  sample: true
modalities_persistence:
  description: Why RV(modalities_persistent) is what it is; V(null) when O(config_path) is not given.
  returned: always
  type: str
  sample: DicomModalitiesInDatabase is true and DatabaseServerIdentifier is 'pacs-1' in /etc/orthanc/orthanc.json
"""

# The imports follow the documentation, as in every Ansible module (hence noqa: E402).
from ansible.module_utils.basic import AnsibleModule  # noqa: E402

from ansible_collections.pacs.orthanc.plugins.module_utils.api import (  # noqa: E402
    OrthancClient,
    OrthancError,
    orthanc_argument_spec,
    quote_name,
)
from ansible_collections.pacs.orthanc.plugins.module_utils.config import (  # noqa: E402
    ConfigError,
    modalities_in_database,
    persistence_of,
)

INDEX_PLUGIN_IDS = ("postgresql-index", "mysql-index", "odbc-index")


def index_backend(system):
    path = system.get("DatabaseBackendPlugin")
    if not path:
        return "sqlite"
    if "postgresql" in path.lower():
        return "postgresql"
    return "other"


def plugin_version(backend, path, plugins):
    if backend == "sqlite":
        return None
    candidates = [pid for pid in INDEX_PLUGIN_IDS if pid in plugins]
    if backend == "postgresql":
        candidates = [pid for pid in candidates if pid.startswith("postgresql")]
    else:
        lowered = (path or "").lower()
        candidates = [pid for pid in candidates if pid.split("-")[0] in lowered]
    for pid in candidates:
        version = plugins[pid].get("Version")
        if version is not None:
            return str(version)
    return None


def gather(client, database_timeout):
    _status, system = client.get("/system")
    if not isinstance(system, dict):
        raise OrthancError("GET /system: expected a JSON object, got %r" % (system,))
    _status, listing = client.get("/plugins")
    plugins = {}
    for pid in listing or []:
        _status, details = client.get("/plugins/%s" % quote_name(pid))
        plugins[pid] = details if isinstance(details, dict) else {"ID": pid}

    index = dict(
        backend=index_backend(system),
        plugin=system.get("DatabaseBackendPlugin"),
        plugin_version=None,
        database_answers=False,
        database_error=None,
        last_change=None,
    )
    index["plugin_version"] = plugin_version(index["backend"], index["plugin"], plugins)
    statistics = None
    try:
        _status, changes = client.get("/changes?last", timeout=database_timeout, retry_for=database_timeout)
        index["database_answers"] = isinstance(changes, dict) and "Last" in changes
        if index["database_answers"]:
            index["last_change"] = changes["Last"]
        else:
            index["database_error"] = "GET /changes?last: unexpected answer %r" % (changes,)
    except OrthancError as exc:
        index["database_error"] = str(exc)
    if index["database_answers"]:
        _status, statistics = client.get("/statistics")
    return dict(system=system, plugins=plugins, statistics=statistics, index=index)


def argument_spec():
    return orthanc_argument_spec(
        expect_index=dict(type="str", choices=["postgresql", "sqlite"]),
        database_timeout=dict(type="int", default=10),
        config_path=dict(type="path"),
    )


def main():
    module = AnsibleModule(
        argument_spec=argument_spec(),
        supports_check_mode=True,
    )
    p = module.params
    if p["database_timeout"] < 1:
        module.fail_json(msg="database_timeout must be at least 1 second, got %d" % p["database_timeout"])
    in_database = persistent = reason = None
    if p["config_path"]:
        try:
            in_database = modalities_in_database(p["config_path"])
            persistent, reason = persistence_of(p["config_path"])
        except ConfigError as exc:
            module.fail_json(msg=str(exc))

    client = OrthancClient.from_module(module)
    try:
        facts = gather(client, p["database_timeout"])
        facts["tls"] = client.server_certificate()
    except OrthancError as exc:
        module.fail_json(msg=str(exc), status=exc.status)
    facts["modalities_in_database"] = in_database
    facts["modalities_persistent"] = persistent
    facts["modalities_persistence"] = reason

    expected = p["expect_index"]
    index = facts["index"]
    if expected and index["backend"] != expected:
        module.fail_json(
            msg="Orthanc at %s uses the %s index (DatabaseBackendPlugin: %s), not %s%s"
            % (
                client.base_url,
                index["backend"],
                index["plugin"] or "null, the built-in SQLite",
                expected,
                ": check that the PostgreSQL section has EnableIndex true and that Plugins lists the "
                "PostgreSQL index plugin"
                if expected == "postgresql"
                else "",
            ),
            **facts,
        )
    if expected and not index["database_answers"]:
        module.fail_json(
            msg="Orthanc at %s uses the %s index, but its database does not answer: %s"
            % (client.base_url, index["backend"], index["database_error"]),
            **facts,
        )
    module.exit_json(changed=False, **facts)


if __name__ == "__main__":
    main()
