#!/usr/bin/env bash
# The project's one definition of a Debian base image without a registry, and of the Debian mirror
# this machine uses. The role pacs.orthanc.image_build runs it for its build base and the lab scripts
# (scripts/base-images.sh) for theirs, so both get the same image from the same code.
#
#   debian-base.sh mirrors
#       Prints "main URI" and, when one is listed, "security URI": the Debian repositories of this
#       machine's apt sources (deb822 *.sources first, then one-line *.list), preferring URIs ending in
#       /debian and /debian-security. Nothing printed when no Debian repository is listed.
#   debian-base.sh image NAME SUITE [MIRROR] [--check]
#       Makes sure image NAME is a minbase Debian SUITE (debootstrap from MIRROR, default: the "main"
#       mirror above, plus ca-certificates; no package lists, caches, manuals, documentation but
#       copyrights, or translations, now and in images built on it; LANG=C.UTF-8) and prints one JSON
#       line {"image", "id", "built", "recipe", "mirror", "security"} (security: the security mirror of
#       the apt sources, "" when none is listed); messages go to stderr.
#       The image carries the label pacs.orthanc.base.recipe (hash of RECIPE_VERSION, suite, mirror):
#       rebuilt only when that label differs. An image of that name without the label was not made here
#       (an image you brought, or one made by an older version): it is used as it is, never replaced.
#       --check builds nothing: "built" says whether a real run would build, "id" is "" then.
#       Exit status 3: the image must be built but debootstrap is missing.
set -euo pipefail

# Bump when what the image contains changes (not for comments): every image built on it then changes.
RECIPE_VERSION=1
LABEL=pacs.orthanc.base.recipe

msg() { printf '%s\n' "$*" >&2; }

list_repositories() {
  local f
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -r "$f" ] || continue
    awk 'BEGIN { RS = ""; FS = "\n" }
      {
        uri = ""; suites = ""; types = ""
        for (i = 1; i <= NF; i++) {
          if ($i ~ /^URIs:/) { split($i, a, /[ \t]+/); uri = a[2] }
          if ($i ~ /^Suites:/) suites = $i
          if ($i ~ /^Types:/) types = $i
        }
        if (uri == "" || types !~ /[ \t]deb([ \t]|$)/) next
        print ((suites ~ /-security/) ? "security" : "main"), uri
      }' "$f"
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -r "$f" ] || continue
    awk '$1 == "deb" {
        for (i = 2; i <= NF; i++) if ($i ~ /^[a-z+]+:\/\//) {
          print (($(i + 1) ~ /-security/) ? "security" : "main"), $i
          break
        }
      }' "$f"
  done
}

# The first "kind" repository whose URI ends in /debian (or /debian-security), else the first of that kind.
pick() {
  local kind=$1 suffix=$2 lines
  lines=$(list_repositories | awk -v k="$kind" '$1 == k { print $2 }')
  { printf '%s\n' "$lines" | grep -E "/$suffix/?\$" || true; printf '%s\n' "$lines"; } | sed '/^$/d' | head -n 1
}

mirrors() {
  local main security
  main=$(pick main debian)
  security=$(pick security debian-security)
  [ -n "$main" ] && echo "main $main"
  [ -n "$security" ] && echo "security $security"
  return 0
}

image() {
  local name=$1 suite=$2 mirror=${3:-} check=${4:-}
  [ -n "$mirror" ] || mirror=$(pick main debian)
  if [ -z "$mirror" ]; then
    msg "no Debian mirror given and none in this machine's apt sources"
    exit 2
  fi
  local want have id built=false
  want=$(printf 'debian-base %s minbase+ca-certificates+slim %s %s\n' "$RECIPE_VERSION" "$suite" "$mirror" \
    | sha256sum | cut -c1-16)
  # An image without labels has no label map: "with" keeps index from failing on it.
  have=$(docker image inspect -f "{{ with .Config.Labels }}{{ index . \"$LABEL\" }}{{ end }}|{{ .Id }}" "$name" \
    2>/dev/null || true)
  id=${have#*|}
  have=${have%%|*}
  if [ -n "$id" ] && { [ "$have" = "$want" ] || [ -z "$have" ] || [ "$have" = "<no value>" ]; }; then
    if [ "$have" = "$want" ]; then msg "$name is up to date"; else msg "$name is used as it is (not made by $0)"; fi
  elif [ "$check" = --check ]; then
    msg "$name would be built with debootstrap ($mirror)"
    built=true id=""
  else
    command -v debootstrap >/dev/null 2>&1 || { msg "debootstrap is missing (apt-get install debootstrap)"; exit 3; }
    msg "building $name with debootstrap ($suite from $mirror)"
    local root log
    root=$(mktemp -d "${TMPDIR:-/tmp}/pacs-rootfs.XXXXXX")
    log=$(mktemp "${TMPDIR:-/tmp}/pacs-debootstrap.XXXXXX")
    # shellcheck disable=SC2064
    trap "rm -rf '$root' '$log'" EXIT
    # A debootstrap older than the suite (Debian 12's knows no forky) has no script for it: every Debian
    # suite since buster uses the "sid" script, so name it explicitly then.
    local script=()
    [ -e "/usr/share/debootstrap/scripts/$suite" ] || script=(/usr/share/debootstrap/scripts/sid)
    if ! debootstrap --variant=minbase --include=ca-certificates "$suite" "$root" "$mirror" "${script[@]}" \
      >"$log" 2>&1; then
      tail -20 "$log" >&2
      msg "debootstrap $suite from $mirror failed"
      exit 1
    fi
    (
      cd "$root"
      rm -rf var/lib/apt/lists/* var/cache/apt/*.bin var/cache/apt/archives/*.deb \
        usr/share/man/* usr/share/info/* usr/share/locale/*
      find usr/share/doc -mindepth 1 -not -name copyright -not -type d -delete
      printf '%s\n' 'path-exclude /usr/share/doc/*' 'path-include /usr/share/doc/*/copyright' \
        'path-exclude /usr/share/man/*' 'path-exclude /usr/share/info/*' 'path-exclude /usr/share/locale/*' \
        >etc/dpkg/dpkg.cfg.d/pacs-slim
      tar -c . | docker import --change "LABEL $LABEL=$want" --change 'ENV LANG=C.UTF-8' \
        --change 'CMD ["/bin/bash"]' - "$name" >/dev/null
    )
    id=$(docker image inspect -f '{{ .Id }}' "$name")
    built=true
  fi
  printf '{"image": "%s", "id": "%s", "built": %s, "recipe": "%s", "mirror": "%s", "security": "%s"}\n' \
    "$name" "$id" "$built" "$want" "$mirror" "$(pick security debian-security)"
}

case "${1:-}" in
  mirrors) mirrors ;;
  image)
    [ $# -ge 3 ] || { msg "usage: $0 image NAME SUITE [MIRROR] [--check]"; exit 2; }
    args=("$2" "$3" "" "")
    shift 3
    for a in "$@"; do
      if [ "$a" = --check ]; then args[3]=--check; elif [ -n "$a" ]; then args[2]=$a; fi
    done
    image "${args[@]}"
    ;;
  *)
    msg "usage: $0 mirrors | image NAME SUITE [MIRROR] [--check]"
    exit 2
    ;;
esac
