#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: project_files
short_description: Directories and files of a project written in one task
version_added: 0.2.0
description:
  - Makes directories and files exactly as given (content, mode, owner, group) in one module run, so a run that
    changes nothing costs one remote task instead of one per file. Files are replaced atomically.
  - Files in O(secret_files) are never shown (their content is C(no_log)) and never diffed; only how many
    changed is returned.
  - With a O(files[].validate) command a new content is checked before it replaces the file.
author:
  - pacs.orthanc contributors (!UNKNOWN)
attributes:
  check_mode:
    description: Can run in check mode and return changed status prediction without modifying target.
    support: full
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: partial
    details: Diffs of O(files) whose O(files[].diff) is true; never of O(secret_files).
options:
  directories:
    description: Directories to create (with parents) and keep with this mode and ownership.
    type: list
    elements: dict
    default: []
    suboptions:
      path: {description: Absolute path., type: path, required: true}
      mode: {description: Octal mode such as C(0750)., type: str, required: true}
      owner: {description: User name or uid (C(null) or empty leaves it as made)., type: str, default: root}
      group: {description: Group name or gid (C(null) or empty leaves it as made)., type: str, default: root}
  files:
    description: Files whose content may be shown in diffs.
    type: list
    elements: dict
    default: []
    suboptions:
      path:
        description: Absolute path; its directory must exist or be listed in O(directories).
        type: path
        required: true
      content: {description: The whole content., type: str, required: true}
      mode: {description: Octal mode such as C(0644)., type: str, required: true}
      owner: {description: User name or uid (C(null) or empty leaves it as made)., type: str, default: root}
      group: {description: Group name or gid (C(null) or empty leaves it as made)., type: str, default: root}
      validate:
        description: Command run on the new content (its temporary path in place of C(%s)) before it replaces the file.
        type: str
      diff: {description: Show this file's change in diff mode., type: bool, default: true}
  secret_files:
    description: Files holding secrets. Same keys as O(files) but O(files[].validate) and O(files[].diff).
    type: list
    elements: dict
    default: []
    suboptions:
      path: {description: Absolute path., type: path, required: true}
      content: {description: The whole content (never logged)., type: str, required: true}
      mode: {description: Octal mode such as C(0400)., type: str, required: true}
      owner: {description: User name or uid (C(null) or empty leaves it as made)., type: str, default: root}
      group: {description: Group name or gid (C(null) or empty leaves it as made)., type: str, default: root}
  absent:
    description: Files to remove when present (for example files of an older naming).
    type: list
    elements: path
    default: []
"""

EXAMPLES = r"""
- name: Write a small project in one task
  pacs.orthanc.project_files:
    directories:
      - {path: /opt/app, mode: "0750"}
    files:
      - {path: /opt/app/compose.yaml, content: "{{ lookup('template', 'compose.yaml.j2') }}", mode: "0640",
         validate: "docker compose -f %s config --quiet"}
    secret_files:
      - {path: /opt/app/password, content: "{{ app_password }}", mode: "0400"}
"""

RETURN = r"""
changed_paths:
  description: Directories and non-secret files that were (or in check mode would be) changed, and files removed.
  returned: always
  type: list
  elements: str
changed_secrets:
  description: How many secret files were (or would be) changed.
  returned: always
  type: int
"""

import os  # noqa: E402
import tempfile  # noqa: E402

from ansible.module_utils.basic import AnsibleModule  # noqa: E402
from ansible.module_utils.common.text.converters import to_bytes, to_text  # noqa: E402

OWNERSHIP = dict(owner=dict(type="str", default="root"), group=dict(type="str", default="root"))


def argument_spec():
    directory = dict(path=dict(type="path", required=True), mode=dict(type="str", required=True), **OWNERSHIP)
    secret = dict(
        path=dict(type="path", required=True),
        content=dict(type="str", required=True, no_log=True),
        mode=dict(type="str", required=True),
        **OWNERSHIP,
    )
    plain = dict(
        secret, content=dict(type="str", required=True), validate=dict(type="str"), diff=dict(type="bool", default=True)
    )
    return dict(
        directories=dict(type="list", elements="dict", default=[], options=directory),
        files=dict(type="list", elements="dict", default=[], options=plain),
        # The content sub-option is no_log; the list itself holds paths and modes that may be shown.
        secret_files=dict(type="list", elements="dict", default=[], options=secret, no_log=False),
        absent=dict(type="list", elements="path", default=[]),
    )


def file_args(module, item):
    return module.load_file_common_arguments(
        # An empty or null owner/group is left as made (a controller user that is not root).
        dict(path=item["path"], mode=item["mode"], owner=item["owner"] or None, group=item["group"] or None)
    )


def make_directory(module, item):
    path = item["path"]
    changed = not os.path.isdir(path)
    if changed and not module.check_mode:
        # Parallel runs (forks delegated to one controller) may make the same directory.
        os.makedirs(path, exist_ok=True)
    if os.path.exists(path):
        changed = module.set_fs_attributes_if_different(file_args(module, item), changed)
    return changed


def read(path):
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except (IOError, OSError):
        return None


def write_file(module, item):
    """(changed, diff or None) for one file."""
    path = item["path"]
    wanted = to_bytes(item["content"], errors="surrogate_or_strict")
    before = read(path)
    changed = before != wanted
    if changed and not module.check_mode:
        directory = os.path.dirname(path)
        if not os.path.isdir(directory):
            module.fail_json(msg="%s: directory %s does not exist (list it in directories)" % (path, directory))
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".%s." % os.path.basename(path))
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(wanted)
            if item.get("validate"):
                rc, out, err = module.run_command(item["validate"] % tmp)
                if rc != 0:
                    module.fail_json(
                        msg="%s: validation failed (%s): %s" % (path, item["validate"], (err or out).strip())
                    )
            module.atomic_move(tmp, path, unsafe_writes=False)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    if os.path.exists(path):
        changed = module.set_fs_attributes_if_different(file_args(module, item), changed)
    diff = None
    if before != wanted and item.get("diff"):
        diff = dict(
            before_header=path,
            after_header=path,
            before=to_text(before or b"", errors="surrogate_or_strict"),
            after=item["content"],
        )
    return changed, diff


def main():
    module = AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True)
    changed_paths, diffs, changed_secrets = [], [], 0
    for item in module.params["directories"]:
        if make_directory(module, item):
            changed_paths.append(item["path"])
    for item in module.params["files"]:
        changed, diff = write_file(module, item)
        if changed:
            changed_paths.append(item["path"])
        if diff:
            diffs.append(diff)
    for item in module.params["secret_files"]:
        changed, _diff = write_file(module, dict(item, diff=False))
        changed_secrets += int(changed)
    for path in module.params["absent"]:
        if os.path.lexists(path):
            if not module.check_mode:
                os.unlink(path)
            changed_paths.append(path)
    result = dict(
        changed=bool(changed_paths or changed_secrets), changed_paths=changed_paths, changed_secrets=changed_secrets
    )
    if module._diff:
        result["diff"] = diffs
    module.exit_json(**result)


if __name__ == "__main__":
    main()
