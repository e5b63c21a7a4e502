#!/usr/bin/env bash
# ansible-lint (production profile), yamllint and ruff over the whole collection.
source "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"
log "yamllint"
yamllint --strict .
log "ruff"
ruff check .
ruff format --check .
log "ansible-lint (production profile)"
ansible-lint --profile production
