#!/usr/bin/env bash
# The orthancteam/orthanc contract STAND-IN (lab/official-standin/, tests only): no registry is reachable
# here, so the official image is replaced in tests by an image built from Debian packages that reproduces its
# documented start-up contract. Builds it when its recipe changed and saves it as a `docker save` archive
# (for images_source: archive), then prints one JSON line:
#   {"image": "pacs.local/orthancteam-orthanc-standin:<orthanc version>-<recipe>", "id", "archive", "orthanc"}
# STANDIN_SUITE (default: forky, for Orthanc 1.13 as in the official image 26.8.x) picks the Debian suite.
source "$(dirname "$0")/lib.sh"

suite="${STANDIN_SUITE:-forky}"
context="$REPO_ROOT/lab/official-standin"
repository="$BASE_REPOSITORY/orthancteam-orthanc-standin"
cache="${STANDIN_CACHE_DIR:-$HOME/.cache/pacs-orthanc/standin}"

"$REPO_ROOT/scripts/engine.sh" >&2
"$REPO_ROOT/scripts/base-images.sh" "$suite" >&2
base=$(base_image "$suite")
mirror=$(debian_mirror)
# The files the image is made of (not its README), the suite, the mirror and the base image.
files=(Dockerfile docker-entrypoint.sh configure.py test-aliveness.py)
recipe=$( { (cd "$context" && cat "${files[@]}"); echo "$suite $mirror"; docker image inspect -f '{{.Id}}' "$base"; } | sha256sum | cut -c1-16)
archive="$cache/standin-$recipe.tar"
image=$(docker images -q --filter "label=pacs.orthanc.standin.recipe=$recipe" "$repository" | head -n 1)

if [[ -z "$image" ]]; then
  log "building the orthancteam/orthanc stand-in from Debian $suite ($recipe)"
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  (cd "$context" && cp "${files[@]}" "$work/")
  printf 'Types: deb\nURIs: %s\nSuites: %s\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
    "$mirror" "$suite" >"$work/debian.sources"
  docker build -q --build-arg "BASE=$base" --label "pacs.orthanc.standin.recipe=$recipe" \
    -t "$repository:recipe-$recipe" "$work" >&2
  version=$(docker run --rm --entrypoint dpkg-query "$repository:recipe-$recipe" -W -f '${Version}' orthanc)
  version=${version%%[-+~]*}
  docker tag "$repository:recipe-$recipe" "$repository:$version-$recipe"
  docker rmi "$repository:recipe-$recipe" >/dev/null
  image=$(docker image inspect -f '{{.Id}}' "$repository:$version-$recipe")
  # Older recipes of the stand-in are of no further use: their images and archives go.
  docker images --format '{{.Repository}}:{{.Tag}}' "$repository" | grep -v -- "-$recipe\$" | xargs -r docker rmi >/dev/null || true
  find "$cache" -maxdepth 1 -name 'standin-*.tar' ! -name "standin-$recipe.tar" -delete 2>/dev/null || true
fi
ref=$(docker image inspect -f '{{range .RepoTags}}{{println .}}{{end}}' "$image" | grep -m1 "^$repository:.*-$recipe\$")
version=${ref##*:}
version=${version%-"$recipe"}
if [[ ! -s "$archive" ]]; then
  mkdir -p "$cache"
  docker save -o "$archive.part" "$ref" && mv "$archive.part" "$archive"
fi
printf '{"image": "%s", "id": "%s", "archive": "%s", "orthanc": "%s"}\n' "$ref" "$(docker image inspect -f '{{.Id}}' "$ref")" \
  "$archive" "$version"
