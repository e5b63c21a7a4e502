#!/usr/bin/env bash
# ansible-test sanity and units on a copy of the collection, without containers (no registry here).
#   ansible-test.sh [sanity|units|all] [extra ansible-test args]
# ansible-test wants the working directory to be a real .../ansible_collections/pacs/orthanc: the
# .collections link resolves to the repository, which it refuses, so the files git knows are copied.
source "$(dirname "$0")/lib.sh"

part="${1:-all}"
shift || true
case "$part" in
  all) parts=(sanity units) ;;
  sanity | units) parts=("$part") ;;
  *) die "unknown part '$part' (sanity, units, all)" ;;
esac

# ansible-test gives each sanity test a virtualenv created without pip and bootstraps pip with a get-pip.py
# from ci-files.testing.ansible.com, which is unreachable here. The stand-in it then finds in its cache
# installs the same packages with ensurepip and pip from PyPI.
pip_version=$(python -c 'import ansible_test, pathlib, re; print(re.search(r"pip=.([0-9.]+).", (pathlib.Path(ansible_test.__file__).parent / "_internal/python_requirements.py").read_text())[1])')
get_pip="$HOME/.ansible/test/cache/get_pip_${pip_version//./_}.py"
if [[ ! -f "$get_pip" ]] || grep -q pacs.orthanc "$get_pip"; then
  mkdir -p "$(dirname "$get_pip")"
  cat >"$get_pip" <<'PY'
"""Stand-in for get-pip.py written by pacs.orthanc's scripts/ansible-test.sh: ensurepip, then pip install."""
import subprocess
import sys

# In a child process: ensurepip in-process points PIP_CONFIG_FILE at /dev/null, hiding pip's configuration.
subprocess.check_call([sys.executable, "-m", "ensurepip"])
args = [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]
subprocess.check_call([sys.executable, "-m", "pip", "install"] + args)
PY
fi

work=$(mktemp -d /tmp/pacs-ansible-test.XXXXXX)
trap 'rm -rf "$work"' EXIT
tree="$work/ansible_collections/pacs/orthanc"
mkdir -p "$tree"
# Tracked and new (not ignored) files as they are in the working tree; deleted ones are skipped.
(cd "$REPO_ROOT" && git ls-files -z --cached --others --exclude-standard) \
  | (cd "$REPO_ROOT" && tar --null -T - --ignore-failed-read -cf - 2>/dev/null) \
  | tar -C "$tree" -xf -
cd "$tree" || exit

# Results (junit, logs) come back under tests/output/ansible-test of the repository.
out="$REPO_ROOT/tests/output/ansible-test"
status=0
for p in "${parts[@]}"; do
  log "ansible-test $p (python 3.11, local)"
  started=$SECONDS
  case "$p" in
    # Each sanity test with tools of its own gets a cached virtualenv in ~/.ansible/test/venv (from PyPI).
    sanity) ansible-test sanity --python 3.11 --local --color no --junit "$@" || status=1 ;;
    # pytest-xdist, pytest-mock and mock, which units needs, are pinned in requirements-dev.txt.
    units) ansible-test units --python 3.11 --local --color no "$@" || status=1 ;;
  esac
  log "ansible-test $p: $((SECONDS - started)) s"
  mkdir -p "$out"
  cp -r tests/output/. "$out/" 2>/dev/null || true
done
exit "$status"
