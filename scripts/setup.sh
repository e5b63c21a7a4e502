#!/usr/bin/env bash
# Controller toolchain: a virtualenv with pinned packages, and this repository linked in as the
# collection pacs.orthanc. A re-run with unchanged requirements only checks a stamp (seconds).
source "$(dirname "$0")/lib.sh"

# Debian's interpreter rather than the first python3 on PATH: a virtualenv made from it works for every
# user (one made from a pyenv under /root does not), so `make unit` can run unprivileged (test_tiers.py).
PYTHON="${PYTHON:-$(command -v /usr/bin/python3 || command -v python3 || true)}"
[[ -n "$PYTHON" ]] || die "python3 is required"
stamp="$VENV/.requirements.sha256"
want=$({ cat "$REPO_ROOT/requirements-dev.txt"; readlink -f "$PYTHON"; } | sha256sum | cut -c1-16)
if [[ ! -x "$VENV/bin/python" || ! -f "$stamp" || "$(cat "$stamp")" != "$want" ]]; then
  "$PYTHON" -c 'import venv, ensurepip' 2>/dev/null || apt_install python3-venv
  log "creating virtualenv $VENV with $PYTHON"
  "$PYTHON" -m venv --clear "$VENV"
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
