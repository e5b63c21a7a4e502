# Shared shell helpers for the scripts in this folder. Source it; do not run it.
# shellcheck shell=bash
set -euo pipefail

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV="${VENV:-$REPO_ROOT/.venv}"
export PATH="$VENV/bin:$PATH"
export ANSIBLE_CONFIG="$REPO_ROOT/ansible.cfg"
# Images and hosts of the lab carry this label so that lab-down finds exactly them.
# shellcheck disable=SC2034  # read by lab.sh and base-images.sh, which source this file
LAB_LABEL="pacs.orthanc.lab"
LAB_PREFIX="${LAB_PREFIX:-pacs-lab}"
# The lab's hosts carry LAB_LABEL=host; a lab under another LAB_PREFIX (a second lab on the same engine,
# e.g. for parallel work) carries LAB_LABEL=host-<prefix>, which inventories/lab does not select.
# shellcheck disable=SC2034  # read by lab.sh
if [[ "$LAB_PREFIX" == pacs-lab ]]; then LAB_KIND=host; else LAB_KIND="host-$LAB_PREFIX"; fi

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'ERROR: %s\n' "$*" >&2; exit 1; }

# Debian base images (pacs.local/debian:<suite>) and the Debian mirror come from one definition, the
# image_build role's script, which the role runs for its own build base too.
DEBIAN_BASE="$REPO_ROOT/roles/image_build/files/debian-base.sh"
BASE_REPOSITORY="${LAB_BASE_REPOSITORY:-pacs.local}"
base_image() { echo "$BASE_REPOSITORY/debian:$1"; }

# The Debian mirror this machine already uses, so no host name is written into the project.
debian_mirror() {
  local uri
  uri=$("$DEBIAN_BASE" mirrors | awk '$1 == "main" { print $2 }')
  [[ -n "$uri" ]] || die "cannot find a Debian mirror in this machine's apt sources (/etc/apt/sources.list.d/*.sources, *.list)"
  echo "$uri"
}

apt_install() {
  local missing=()
  local pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  ((${#missing[@]} == 0)) && return 0
  log "apt-get install ${missing[*]}"
  # Retry once: a stale package list is the usual cause of a 404 from the mirror.
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y --no-install-recommends "${missing[@]}" >/tmp/pacs-apt.log 2>&1; then
    apt-get update -qq >/tmp/pacs-apt.log 2>&1 || true
    apt-get install -y --no-install-recommends "${missing[@]}" >>/tmp/pacs-apt.log 2>&1 \
      || { tail -20 /tmp/pacs-apt.log >&2; die "apt-get install ${missing[*]} failed"; }
  fi
}

# A file's content hash, used as a recipe fingerprint for cached images.
recipe_hash() { cat "$@" | sha256sum | cut -c1-16; }
