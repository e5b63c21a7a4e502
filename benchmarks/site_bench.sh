#!/usr/bin/env bash
# The cost of a no-op site.yml on the converged lab (make demo first), side by side with a synthetic floor:
# a play that gathers facts and runs as many trivial remote tasks (ansible.builtin.command: true) as site.yml
# ran tasks per host. Prints medians of RUNS (default 3).
#   benchmarks/site_bench.sh            no-op time, tasks per host, floor
#   benchmarks/site_bench.sh --fresh    also the first converge of 1 and 3 new lab hosts (recreates them)
# LAB_PREFIX=<p> measures that lab (scripts/lab.sh up with the same LAB_PREFIX); FLOOR_TASKS=<n> sizes the floor.
# Also prints the ratio no-op / floor and the load average: on a shared machine the ratio is the figure to compare;
# and the floor of the issue's reference (facts + 63 tasks, 29 s when the 20 s target was set), by which the no-op
# is scaled to the machine the target was set on.
source "$(dirname "$0")/../scripts/lib.sh"
cd "$REPO_ROOT" || exit
"$REPO_ROOT/scripts/setup.sh" >/dev/null
RUNS=${RUNS:-3}
log=/tmp/pacs-site-bench-$LAB_PREFIX.log
# LAB_PREFIX: a second lab on the same engine (scripts/lab.sh labels its hosts host-<prefix>), selected by a
# copy of inventories/lab, as the tests do (tests/integration/conftest.py).
inventory=inventories/lab
if [[ "$LAB_PREFIX" != pacs-lab ]]; then
  inventory="tests/output/inventory-$LAB_PREFIX"
  rm -rf "$inventory" && mkdir -p tests/output && cp -r inventories/lab "$inventory"
  sed -i "s/| default(\"\") == \"host\"/| default(\"\") == \"$LAB_KIND\"/" "$inventory/01-hosts.docker.yml"
  grep -q "== \"$LAB_KIND\"" "$inventory/01-hosts.docker.yml" || die "inventories/lab no longer selects hosts by label"
fi

seconds() { local t0=$EPOCHREALTIME; "$@" >"$log" 2>&1 || { tail -30 "$log"; die "$* failed"; }; awk "BEGIN{printf \"%.1f\", $EPOCHREALTIME-$t0}"; }
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }

if [[ "${1:-}" == --fresh ]]; then
  printf '%-6s %-18s %s\n' hosts first_converge_s noop_s
  for n in 1 3; do
    scripts/lab.sh down >/dev/null 2>&1
    LAB_HOSTS=$n scripts/lab.sh up >/dev/null 2>&1
    first=$(seconds ansible-playbook -i "$inventory" site.yml)
    printf '%-6s %-18s %s\n' "$n" "$first" "$(seconds ansible-playbook -i "$inventory" site.yml)"
  done
  scripts/lab.sh down >/dev/null 2>&1
  LAB_HOSTS=3 scripts/lab.sh up >/dev/null 2>&1
  ansible-playbook -i "$inventory" site.yml >"$log" 2>&1
fi

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
noop=()
for _ in $(seq "$RUNS"); do
  noop+=("$(seconds ansible-playbook -i "$inventory" site.yml)")
  grep -Eq 'changed=[1-9]|failed=[1-9]' "$log" && { tail -20 "$log"; die "the no-op run changed or failed something"; }
done
# Tasks that ran on each host (ok counts every task that ran, changed ones included).
tasks=$(awk '/PLAY RECAP/{r=1; next} r && /ok=/{split($3,a,"="); printf "%s=%s ", $1, a[2]}' "$log")
most=$(awk '/PLAY RECAP/{r=1; next} r && /ok=/{split($3,a,"="); if (a[2]>m) m=a[2]} END{print m}' "$log")

# FLOOR_TASKS fixes the floor's size (e.g. the task count of an earlier version, to compare two versions
# against the same floor); by default it is the no-op's own count.
most=${FLOOR_TASKS:-$most}
# The reference of issue 12's target (no-op <= 20 s on 3 lab hosts): when it was set, the floor of facts + 63
# trivial tasks took 29 s on this lab. The same floor measured now tells how much slower or faster this machine is,
# and the no-op time scaled by it is the figure to hold against the 20 s.
REF_TASKS=63 REF_FLOOR_S=29 REF_TARGET_S=20
floor_times() {  # floor_times N: RUNS timings of facts + N trivial remote tasks
  local play i
  play=$(mktemp /tmp/pacs-floor.XXXXXX.yml)
  {
    echo "- {name: Synthetic floor, hosts: 'orthanc_servers:orthanc_gateways', gather_facts: true, tasks: ["
    for i in $(seq "$1"); do echo "  {name: 'trivial $i', ansible.builtin.command: 'true', changed_when: false},"; done
    echo "]}"
  } >"$play"
  for _ in $(seq "$RUNS"); do seconds ansible-playbook -i "$inventory" "$play"; echo; done
  rm -f "$play"
}
mapfile -t floor < <(floor_times "$most")
mapfile -t reference < <(floor_times "$REF_TASKS")

printf '%-28s %s\n' "no-op site.yml (s)" "$(median "${noop[@]}")  [runs: ${noop[*]}]"
printf '%-28s %s\n' "tasks run per host" "$tasks"
printf '%-28s %s\n' "floor: facts + $most remote tasks (s)" "$(median "${floor[@]}")  [runs: ${floor[*]}]"
# The machine may be shared: the ratio to the floor measured in the same run is the comparable figure.
printf '%-28s %s\n' "ratio no-op / floor" "$(awk -v a="$(median "${noop[@]}")" -v b="$(median "${floor[@]}")" 'BEGIN{printf "%.2f", a/b}')"
printf '%-28s %s\n' "reference floor: facts + $REF_TASKS tasks (s)" \
  "$(median "${reference[@]}")  [runs: ${reference[*]}; ${REF_FLOOR_S} s when the target was set]"
printf '%-28s %s\n' "no-op on the reference machine (s)" \
  "$(awk -v a="$(median "${noop[@]}")" -v b="$(median "${reference[@]}")" -v r="$REF_FLOOR_S" -v t="$REF_TARGET_S" \
     'BEGIN{printf "%.1f (no-op x %s / reference floor; target %s)", a*r/b, r, t}')"
printf '%-28s %s\n' "load average (1/5/15 min)" "before: $load_before, after: $(cut -d' ' -f1-3 /proc/loadavg)"
