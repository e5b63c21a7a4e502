#!/usr/bin/env bash
# Debian base images without a registry: debootstrap a minbase root, import it as
# pacs-lab/debian:<suite>. Each image carries a label with its recipe's hash and is rebuilt
# only when the recipe (this script, suite, mirror) changes.
source "$(dirname "$0")/lib.sh"

suites=("${@:-trixie bookworm}")
# shellcheck disable=SC2206
suites=(${suites[*]})
mirror=$(debian_mirror)
command -v debootstrap >/dev/null 2>&1 || apt_install debootstrap

for suite in "${suites[@]}"; do
  image="pacs-lab/debian:$suite"
  want=$( { cat "$0"; echo "$suite $mirror"; } | sha256sum | cut -c1-16)
  have=$(docker image inspect -f '{{ index .Config.Labels "pacs.recipe" }}' "$image" 2>/dev/null || true)
  if [[ "$have" == "$want" ]]; then
    log "$image is up to date"
    continue
  fi
  log "building $image with debootstrap ($mirror)"
  root=$(mktemp -d /tmp/pacs-rootfs.XXXXXX)
  if ! debootstrap --variant=minbase "$suite" "$root" "$mirror" >/tmp/pacs-debootstrap-"$suite".log 2>&1; then
    tail -20 /tmp/pacs-debootstrap-"$suite".log >&2
    rm -rf "$root"
    die "debootstrap $suite failed"
  fi
  # Small and reproducible: no package lists or caches in the base layer.
  rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin
  tar -C "$root" -c . | docker import \
    --change "LABEL pacs.recipe=$want" --change "LABEL $LAB_LABEL=base" \
    --change 'ENV LANG=C.UTF-8' --change 'CMD ["/bin/bash"]' - "$image" >/dev/null
  rm -rf "$root"
done
