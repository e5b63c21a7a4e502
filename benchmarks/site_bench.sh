#!/usr/bin/env bash
# Wall time of the first converge and of the no-op re-run of site.yml for 1 and 3 lab hosts.
# Recreates the lab hosts (their engines start empty); the controller's image build cache stays warm,
# so "first converge" = Docker install + image distribution + stack start + verification.
source "$(dirname "$0")/../scripts/lib.sh"
cd "$REPO_ROOT" || exit
"$REPO_ROOT/scripts/setup.sh" >/dev/null

seconds() { local t0=$SECONDS; "$@" >/tmp/pacs-site-bench.log 2>&1 || { tail -30 /tmp/pacs-site-bench.log; die "$* failed"; }; echo $((SECONDS - t0)); }

printf '%-6s %-18s %-16s %s\n' hosts first_converge_s noop_rerun_s ratio
for n in 1 3; do
  scripts/lab.sh down >/dev/null 2>&1
  LAB_HOSTS=$n scripts/lab.sh up >/dev/null 2>&1
  first=$(seconds ansible-playbook -i inventories/lab site.yml)
  noop=$(seconds ansible-playbook -i inventories/lab site.yml)
  grep -Eq 'changed=[1-9]' /tmp/pacs-site-bench.log && die "the re-run on $n hosts changed something"
  printf '%-6s %-18s %-16s %s\n' "$n" "$first" "$noop" "$(awk "BEGIN{printf \"%.1fx\", $first/$noop}")"
done
scripts/lab.sh down >/dev/null 2>&1
LAB_HOSTS=3 scripts/lab.sh up >/dev/null 2>&1
