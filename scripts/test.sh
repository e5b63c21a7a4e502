#!/usr/bin/env bash
# The whole test suite on a fresh Debian machine, as root: installs and starts what it needs.
#   test.sh            lint + unit + integration + molecule (one pytest run)
#   test.sh lint|unit|integration|molecule   one part; extra args go to pytest
source "$(dirname "$0")/lib.sh"

part="${1:-all}"
shift || true

"$REPO_ROOT/scripts/setup.sh"
cd "$REPO_ROOT"

if [[ "$part" == all || "$part" == lint ]]; then
  "$REPO_ROOT/scripts/lint.sh"
  [[ "$part" == lint ]] && exit 0
fi

mapfile -t pkgs < <(grep -Ev '^\s*(#|$)' tests/debian-packages.txt)
apt_install "${pkgs[@]}"
# Molecule scenarios and integration tests need the engine and the lab images.
"$REPO_ROOT/scripts/lab.sh" image

case "$part" in
  all) paths=(tests/unit tests/integration tests/molecule) ;;
  unit) paths=(tests/unit) ;;
  integration) paths=(tests/integration) ;;
  molecule) paths=(tests/molecule) ;;
  *) die "unknown part '$part' (all, lint, unit, integration, molecule)" ;;
esac
exec pytest "${paths[@]}" "$@"
