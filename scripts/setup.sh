#!/usr/bin/env bash
# Controller toolchain: a virtualenv with pinned packages, and this repository linked in as the
# collection pacs.orthanc. A re-run with unchanged requirements only checks a stamp (seconds).
source "$(dirname "$0")/lib.sh"

stamp="$VENV/.requirements.sha256"
want=$(recipe_hash "$REPO_ROOT/requirements-dev.txt")
if [[ ! -x "$VENV/bin/python" || ! -f "$stamp" || "$(cat "$stamp")" != "$want" ]]; then
  command -v python3 >/dev/null || die "python3 is required"
  python3 -c 'import venv, ensurepip' 2>/dev/null || apt_install python3-venv
  log "creating virtualenv $VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --upgrade pip
  "$VENV/bin/pip" install -q -r "$REPO_ROOT/requirements-dev.txt"
  echo "$want" >"$stamp"
else
  log "virtualenv up to date ($VENV)"
fi

# Ansible finds the collection under collections_path=./.collections (ansible.cfg).
link="$REPO_ROOT/.collections/ansible_collections/pacs/orthanc"
if [[ "$(readlink "$link" 2>/dev/null)" != "$REPO_ROOT" ]]; then
  mkdir -p "$(dirname "$link")"
  ln -sfn "$REPO_ROOT" "$link"
fi
