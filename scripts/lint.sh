#!/usr/bin/env bash
# ansible-lint (production profile), yamllint and ruff over the whole collection; vermin over plugins/.
source "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT" || exit
log "yamllint"
yamllint --strict .
log "ruff"
ruff check .
ruff format --check .
log "vermin: plugins/ runs on the targets, whose Python may be 3.9 (RHEL 9)"
vermin --quiet --no-tips --violations -t=3.9- plugins/
log "ansible-lint (production profile)"
ansible-lint --profile production
