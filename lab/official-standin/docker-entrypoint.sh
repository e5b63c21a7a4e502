#!/usr/bin/env bash
# Stand-in entrypoint: the documented start-up steps of orthancteam/orthanc, in the same order and with
# errexit on, so a step that cannot run (e.g. root without capabilities writing /etc/hostid) stops it.
set -o errexit

if [[ $# -ne 1 ]]; then
  echo "docker-entrypoint.sh takes one argument: the configuration file to generate" >&2
  exit 2
fi

# 1. /etc/hostid: forced, or generated when missing (the image ships it as "not-generated").
if [[ -n $FORCE_HOST_ID ]]; then
  echo "$FORCE_HOST_ID" >/etc/hostid
elif [[ -z $GENERATE_HOST_ID_IF_MISSING || $GENERATE_HOST_ID_IF_MISSING == true ]]; then
  if [[ ! -f /etc/hostid || $(</etc/hostid) == not-generated ]]; then
    printf '%x\n' "$(shuf -i 268435456-4294967295 -n 1)" >/etc/hostid
  fi
fi

# 2. The configuration: /etc/orthanc/*.json, /run/secrets/*.json, environment, secrets; refusals.
python3 /startup/configure.py "$1"

verbosity=()
if [[ $TRACE_ENABLED == true ]]; then verbosity=(--trace); elif [[ $VERBOSE_ENABLED == true ]]; then verbosity=(--verbose); fi

if [[ -n $BEFORE_ORTHANC_STARTUP_SCRIPT ]]; then
  $BEFORE_ORTHANC_STARTUP_SCRIPT
fi

exec Orthanc "${verbosity[@]}" "$1"
