#!/usr/bin/env bash
# The demo: until the stack role lands (issue 7) it stops after the lab is up.
source "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"
ansible -i inventories/lab all -m ansible.builtin.ping
log "lab is up; the PACS stack arrives with playbooks/site.yml"
