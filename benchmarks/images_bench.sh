#!/usr/bin/env bash
# Benchmark of the images role in build mode: controller build time, then distribution time for 1 and
# for 3 hosts (lab hosts bench-images-1..3 with a nested engine), then the no-op run.
#   benchmarks/images_bench.sh          warm build: Docker's layer cache kept, archive cache empty
#   benchmarks/images_bench.sh --cold   cold build: image_build_nocache (every layer rebuilt)
# Prints figures only; it asserts nothing. Removes its hosts and its cache at the end.
source "$(dirname "$0")/../scripts/lib.sh"
cd "$REPO_ROOT" || exit

nocache=false
[[ "${1:-}" == --cold ]] && nocache=true
HOSTS=(bench-images-1 bench-images-2 bench-images-3)
work=$(mktemp -d /tmp/pacs-images-bench.XXXXXX)
cleanup() {
  "$REPO_ROOT/scripts/lab.sh" rm "${HOSTS[@]}"
  rm -rf "$work"
}
trap cleanup EXIT

"$REPO_ROOT/scripts/engine.sh"
"$REPO_ROOT/scripts/lab.sh" start "${HOSTS[@]}"

cat >"$work/inventory" <<EOF
[controller]
localhost ansible_connection=local ansible_python_interpreter=$VENV/bin/python
[bench]
$(printf '%s ansible_connection=community.docker.docker\n' "${HOSTS[@]}")
EOF
cat >"$work/prepare.yml" <<'EOF'
- name: Docker Engine on the benchmark hosts
  hosts: bench
  gather_facts: false
  tasks:
    - name: Install Docker Engine, its CLI and the Python Docker SDK
      ansible.builtin.apt:
        name: [docker.io, docker-cli, python3-docker]
        update_cache: true
        install_recommends: false
    - name: Start Docker Engine
      ansible.builtin.systemd_service:
        name: docker
        state: started
EOF
cat >"$work/images.yml" <<'EOF'
- name: The images role in build mode
  hosts: "{{ bench_target }}"
  gather_facts: false
  roles:
    - role: pacs.orthanc.images
      vars:
        images_source: build
EOF

log "preparing ${HOSTS[*]}"
ansible-playbook -i "$work/inventory" "$work/prepare.yml" >"$work/prepare.log" 2>&1 \
  || { tail -30 "$work/prepare.log"; die "prepare failed"; }

# run_role LABEL TARGET: run the role against TARGET; sets $elapsed (s) and $changed (sum over hosts).
run_role() {
  local label="$1" target="$2" start end
  start=$(date +%s.%N)
  ansible-playbook -i "$work/inventory" "$work/images.yml" \
    -e "{\"bench_target\": \"$target\", \"image_build_cache_dir\": \"$work/cache\", \"image_build_nocache\": $nocache}" \
    >"$work/$label.log" 2>&1 || { tail -40 "$work/$label.log"; die "$label failed"; }
  end=$(date +%s.%N)
  elapsed=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')
  changed=$(grep -Eo 'changed=[0-9]+' "$work/$label.log" | awk -F= '{ s += $2 } END { print s + 0 }')
}

remove_images() {
  local h
  for h in "$@"; do
    docker exec "$h" sh -c 'docker image ls -q "pacs.local/*" | sort -u | xargs -r docker image rm -f' >/dev/null
  done
}

base_present=yes
docker image inspect pacs.local/debian:trixie >/dev/null 2>&1 || base_present="no (debootstrap included)"

log "controller build (nocache=$nocache)"
run_role build localhost
t_build=$elapsed
archive=$(ls "$work"/cache/pacs-images-*.tar)
size_mb=$(($(stat -c %s "$archive") / 1024 / 1024))

log "distribution to 1 host"
run_role dist1 "${HOSTS[0]}"
t_d1=$elapsed c_d1=$changed
run_role noop1 "${HOSTS[0]}"
t_noop1=$elapsed

log "distribution to 3 hosts"
remove_images "${HOSTS[@]}"
run_role dist3 bench
t_d3=$elapsed c_d3=$changed

log "second run on 3 hosts"
run_role noop3 bench
t_noop=$elapsed c_noop=$changed

builds=$(wc -l <"$work/cache/builds.log")
printf '\n%-48s %s\n' "figure" "value"
printf '%-48s %s\n' "build mode (image_build_nocache)" "$nocache"
printf '%-48s %s\n' "base image already present" "$base_present"
printf '%-48s %s s\n' "controller build + save (one run)" "$t_build"
printf '%-48s %s MiB\n' "archive size" "$size_mb"
printf '%-48s %s s (changed=%s)\n' "distribution, 1 host (whole play)" "$t_d1" "$c_d1"
printf '%-48s %s s (changed=%s)\n' "distribution, 3 hosts in parallel (whole play)" "$t_d3" "$c_d3"
printf '%-48s %s s\n' "  per host (3-host wall time / 3)" "$(awk -v t="$t_d3" 'BEGIN { printf "%.1f", t / 3 }')"
printf '%-48s %s s / %s s (changed=%s)\n' "second run, 1 host / 3 hosts (nothing to do)" "$t_noop1" "$t_noop" "$c_noop"
printf '%-48s %s s / %s s\n' "  copy + load only (run minus second run), 1 / 3" \
  "$(awk -v a="$t_d1" -v b="$t_noop1" 'BEGIN { printf "%.1f", a - b }')" \
  "$(awk -v a="$t_d3" -v b="$t_noop" 'BEGIN { printf "%.1f", a - b }')"
printf '%-48s %s\n' "controller builds logged" "$builds"
