#!/usr/bin/env bash
# Debian base images without a registry, one per suite: pacs.local/debian:<suite> (LAB_BASE_REPOSITORY
# changes the repository). The same script as the image_build role's (roles/image_build/files/debian-base.sh)
# builds them, so the lab and the built Orthanc images share the trixie base. An image is rebuilt only
# when its recipe (suite, mirror, recipe version) changes; one that script did not make is used as it is.
source "$(dirname "$0")/lib.sh"

suites=("${@:-trixie bookworm}")
# shellcheck disable=SC2206
suites=(${suites[*]})
mirror=$(debian_mirror)
command -v debootstrap >/dev/null 2>&1 || apt_install debootstrap

for suite in "${suites[@]}"; do
  # Its messages ("... is up to date", "building ...") go to stderr, its JSON summary is not needed here.
  "$DEBIAN_BASE" image "$(base_image "$suite")" "$suite" "$mirror" >/dev/null || die "could not build $(base_image "$suite")"
done
