#!/usr/bin/env bash
# The local lab: LAB_HOSTS systemd containers, each able to run a nested Docker Engine, reached by
# Ansible through the community.docker.docker connection (inventories/lab/).
#   lab.sh image   build base (pacs.local/debian:trixie, bookworm) + host images (cached by recipe)
#   lab.sh up      image, then start $LAB_PREFIX-1..N (default pacs-lab-1..N; idempotent)
#   lab.sh down    remove the hosts and their volumes
#   lab.sh start NAME...   start hosts with these names (molecule's create playbook uses this)
#   lab.sh rm NAME...      remove these hosts and their volumes
source "$(dirname "$0")/lib.sh"

# LAB_IMAGE_PREFIX and LAB_BASE_REPOSITORY (lib.sh) rename the images, e.g. to try a change to the lab
# images without touching the ones the running lab hosts were made from.
HOST_IMAGE="${LAB_IMAGE_PREFIX:-pacs-lab}/host:trixie"
LAB_HOSTS="${LAB_HOSTS-3}"
# auto: use --privileged where the machine allows it, else the explicit capability list below.
LAB_PRIVILEGED="${LAB_PRIVILEGED:-auto}"

# Every capability Engine 20.10 knows, except SYS_RESOURCE, which this sandbox lacks.
LAB_CAPS=(AUDIT_CONTROL AUDIT_READ AUDIT_WRITE BLOCK_SUSPEND CHOWN DAC_OVERRIDE DAC_READ_SEARCH
  FOWNER FSETID IPC_LOCK IPC_OWNER KILL LEASE LINUX_IMMUTABLE MAC_ADMIN MAC_OVERRIDE MKNOD
  NET_ADMIN NET_BIND_SERVICE NET_BROADCAST NET_RAW SETFCAP SETGID SETPCAP SETUID SYSLOG SYS_ADMIN
  SYS_BOOT SYS_CHROOT SYS_MODULE SYS_NICE SYS_PACCT SYS_PTRACE SYS_RAWIO SYS_TIME SYS_TTY_CONFIG
  WAKE_ALARM)

validate_count() {
  [[ "$LAB_HOSTS" =~ ^[0-9]+$ ]] || die "LAB_HOSTS must be a whole number from 1 to 9, got '$LAB_HOSTS'"
  ((LAB_HOSTS >= 1 && LAB_HOSTS <= 9)) || die "LAB_HOSTS must be a whole number from 1 to 9, got '$LAB_HOSTS'"
}

build_image() {
  "$REPO_ROOT/scripts/engine.sh"
  "$REPO_ROOT/scripts/base-images.sh" trixie bookworm
  local want have base
  base=$(base_image trixie)
  want=$( { cat "$REPO_ROOT/lab/host/Dockerfile"; docker image inspect -f '{{.Id}}' "$base"; } | sha256sum | cut -c1-16)
  have=$(docker image inspect -f '{{ index .Config.Labels "pacs.recipe" }}' "$HOST_IMAGE" 2>/dev/null || true)
  if [[ "$have" == "$want" ]]; then
    log "$HOST_IMAGE is up to date"
    return
  fi
  log "building $HOST_IMAGE"
  docker build -q --build-arg "BASE=$base" --label "pacs.recipe=$want" --label "$LAB_LABEL=image" \
    -t "$HOST_IMAGE" "$REPO_ROOT/lab/host" >/dev/null
}

privilege_args() {
  local mode="$LAB_PRIVILEGED"
  if [[ "$mode" == auto ]]; then
    if docker run --rm --privileged "$(base_image trixie)" true >/dev/null 2>&1; then mode=yes; else mode=no; fi
  fi
  if [[ "$mode" == yes ]]; then
    echo --privileged
  else
    local cap
    for cap in "${LAB_CAPS[@]}"; do echo "--cap-add=$cap"; done
  fi
}

# A host's root filesystem (/opt, /etc) and its nested engine's volume (/var/lib/docker) belong together:
# a stopped host is started again as it is, never recreated over the old volume (its containers would
# come back with their bind-mounted files gone). A host from an outdated image is replaced, volume too.
start_hosts() {
  local -a priv
  mapfile -t priv < <(privilege_args)
  local name image running current
  current=$(docker image inspect -f '{{.Id}}' "$HOST_IMAGE")
  for name in "$@"; do
    image="" running=""
    read -r image running < <(docker inspect -f '{{.Image}} {{.State.Running}}' "$name" 2>/dev/null || true)
    if [[ -n "$image" && "$image" != "$current" ]]; then
      log "$name runs an outdated host image: replacing it and its volume"
      remove_hosts "$name"
    elif [[ "$running" == true ]]; then
      log "$name is running"
      continue
    elif [[ -n "$image" ]]; then
      log "starting the stopped host $name"
      docker start "$name" >/dev/null
      continue
    fi
    log "starting $name"
    docker run -d --name "$name" --hostname "$name" \
      --label "$LAB_LABEL=${LAB_HOST_KIND:-$LAB_KIND}" \
      --cgroupns=host -v /sys/fs/cgroup:/sys/fs/cgroup:rw \
      --tmpfs /run --tmpfs /run/lock --tmpfs /tmp \
      -v "$name-docker:/var/lib/docker" \
      --security-opt seccomp=unconfined --security-opt apparmor=unconfined \
      --security-opt systempaths=unconfined \
      "${priv[@]}" "$HOST_IMAGE" >/dev/null
  done
  # Ansible needs python3 and a booted systemd: wait until every host says it is running.
  for name in "$@"; do
    local state=""
    for _ in $(seq 90); do
      state=$(docker exec "$name" systemctl is-system-running 2>/dev/null || true)
      [[ "$state" == running || "$state" == degraded ]] && break
      sleep 1
    done
    [[ "$state" == running || "$state" == degraded ]] || die "$name: systemd did not finish booting (state '$state')"
  done
}

remove_hosts() {
  local h
  for h in "$@"; do
    docker rm -f "$h" >/dev/null 2>&1 || true
    docker volume rm -f "$h-docker" >/dev/null 2>&1 || true
  done
}

up() {
  validate_count
  build_image
  local -a names
  mapfile -t names < <(for i in $(seq 1 "$LAB_HOSTS"); do echo "$LAB_PREFIX-$i"; done)
  start_hosts "${names[@]}"
  log "lab hosts up: ${names[*]}"
}

lab_hosts() { docker ps -a --filter "label=$LAB_LABEL=$LAB_KIND" --format '{{.Names}}' | sort; }

down() {
  local -a hosts
  mapfile -t hosts < <(lab_hosts)
  ((${#hosts[@]} == 0)) && { log "no lab hosts"; return; }
  log "removing ${hosts[*]}"
  remove_hosts "${hosts[@]}"
}

case "${1:-up}" in
  image) build_image ;;
  up) up ;;
  down) down ;;
  start) shift; build_image; start_hosts "$@" ;;
  rm) shift; remove_hosts "$@" ;;
  *) die "usage: lab.sh image|up|down|start NAME...|rm NAME..." ;;
esac
