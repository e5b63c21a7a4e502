#!/usr/bin/env bash
# The test suite in tiers. lint and unit need neither root nor a Docker engine; the other parts install
# and start what they need (Debian, as root).
#   test.sh            lint + sanity (ansible-test sanity and units) + unit + integration + molecule
#   test.sh lint|unit|sanity|integration|molecule   one part; extra args go to pytest (ansible-test for sanity)
source "$(dirname "$0")/lib.sh"

part="${1:-all}"
shift || true
case "$part" in
  all) paths=(tests/unit tests/integration tests/molecule) ;;
  lint | sanity) ;;
  unit) paths=(tests/unit) ;;
  integration) paths=(tests/integration) ;;
  molecule) paths=(tests/molecule) ;;
  *) die "unknown part '$part' (all, lint, unit, sanity, integration, molecule)" ;;
esac

"$REPO_ROOT/scripts/setup.sh"
cd "$REPO_ROOT" || exit

if [[ "$part" == all || "$part" == lint ]]; then
  "$REPO_ROOT/scripts/lint.sh"
  [[ "$part" == lint ]] && exit 0
fi

# Pure tests: the virtualenv is all they need (tests/integration/test_tiers.py runs this unprivileged).
[[ "$part" == unit ]] && exec pytest "${paths[@]}" "$@"

mapfile -t pkgs < <(grep -Ev '^\s*(#|$)' tests/debian-packages.txt)
apt_install "${pkgs[@]}"

[[ "$part" == sanity ]] && exec "$REPO_ROOT/scripts/ansible-test.sh" all "$@"
[[ "$part" == all ]] && "$REPO_ROOT/scripts/ansible-test.sh" all

# Molecule scenarios and integration tests need the engine and the lab images.
"$REPO_ROOT/scripts/lab.sh" image
exec pytest "${paths[@]}" "$@"
