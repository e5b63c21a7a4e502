#!/usr/bin/env bash
# Entrypoint of the PostgreSQL image built from Debian packages (pacs.orthanc.images). Same interface as
# the official postgres image for what the stack uses:
#   POSTGRES_PASSWORD or POSTGRES_PASSWORD_FILE   superuser password (required to initialise)
#   POSTGRES_USER (postgres)  POSTGRES_DB (= user)  PGDATA (/var/lib/postgresql/data)
#   POSTGRES_HOST_AUTH_METHOD (scram-sha-256)  POSTGRES_INITDB_ARGS  /docker-entrypoint-initdb.d/*.sh|*.sql
# initdb runs only when PGDATA holds no cluster; postgres then replaces this script as PID 1.
set -Eeuo pipefail

log() { printf '%s [entrypoint] %s\n' "$(date -u '+%F %T UTC')" "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}

# VAR or VAR_FILE (never both), exported as VAR.
file_env() {
  local var="$1" file_var="${1}_FILE" default="${2:-}" value
  if [[ -n "${!var:-}" && -n "${!file_var:-}" ]]; then
    die "both $var and $file_var are set; use one"
  fi
  value="$default"
  if [[ -n "${!var:-}" ]]; then
    value="${!var}"
  elif [[ -n "${!file_var:-}" ]]; then
    [[ -r "${!file_var}" ]] || die "$file_var points to ${!file_var}, which is not readable"
    value="$(<"${!file_var}")"
  fi
  export "$var"="$value"
  unset "$file_var"
}

init_cluster() {
  local auth="${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}"
  if [[ -z "$POSTGRES_PASSWORD" && "$auth" != trust ]]; then
    die "the database is uninitialised and no superuser password is set: set POSTGRES_PASSWORD or POSTGRES_PASSWORD_FILE (or POSTGRES_HOST_AUTH_METHOD=trust, never in production)"
  fi
  if [[ -n "$(ls -A "$PGDATA" 2>/dev/null)" ]]; then
    die "PGDATA ($PGDATA) is not empty but holds no cluster (no PG_VERSION); refusing to initialise over it"
  fi

  log "initialising a cluster in $PGDATA for user $POSTGRES_USER"
  local -a args=(--username="$POSTGRES_USER" --encoding=UTF8 --locale=C.UTF-8
    --auth-local=trust --auth-host="$auth")
  # The password reaches initdb through a pipe, never a file or the command line.
  if [[ -n "$POSTGRES_PASSWORD" ]]; then
    # shellcheck disable=SC2086
    initdb "${args[@]}" --pwfile=<(printf '%s\n' "$POSTGRES_PASSWORD") ${POSTGRES_INITDB_ARGS:-} >/dev/null
  else
    # shellcheck disable=SC2086
    initdb "${args[@]}" ${POSTGRES_INITDB_ARGS:-} >/dev/null
  fi

  {
    echo
    echo "# pacs.orthanc.images: containers connect over the network, authenticated with SCRAM."
    echo "host all all all $auth"
  } >>"$PGDATA/pg_hba.conf"
  {
    echo
    echo "# pacs.orthanc.images"
    echo "listen_addresses = '*'"
    echo "password_encryption = scram-sha-256"
  } >>"$PGDATA/postgresql.conf"

  # A private server on the socket only, for the database and the init scripts.
  pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -p 5432" -w start >/dev/null
  local -a psql=(psql -v ON_ERROR_STOP=1 --no-password --no-psqlrc --username "$POSTGRES_USER")
  if [[ "$POSTGRES_DB" != postgres ]]; then
    "${psql[@]}" --dbname postgres --set db="$POSTGRES_DB" <<<'CREATE DATABASE :"db";' >/dev/null
  fi
  local f
  for f in /docker-entrypoint-initdb.d/*; do
    case "$f" in
      *.sh)
        log "running $f"
        # shellcheck disable=SC1090
        . "$f"
        ;;
      *.sql)
        log "running $f"
        "${psql[@]}" --dbname "$POSTGRES_DB" -f "$f" >/dev/null
        ;;
      *.sql.gz)
        log "running $f"
        gunzip -c "$f" | "${psql[@]}" --dbname "$POSTGRES_DB" >/dev/null
        ;;
      *) [[ -e "$f" ]] && log "ignoring $f" ;;
    esac
  done
  pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
  log "cluster ready"
}

# "docker run IMAGE -c setting=value" means postgres with those options.
if [[ "${1:0:1}" == - ]]; then
  set -- postgres "$@"
fi

if [[ "$1" == postgres ]]; then
  # Like the official image, read *_FILE secrets first (as root when started as root, so a root-only
  # secret file works) and hand the values on in the environment.
  file_env POSTGRES_PASSWORD
  file_env POSTGRES_USER postgres
  file_env POSTGRES_DB "$POSTGRES_USER"
  if [[ "$(id -u)" == 0 ]]; then
    # As root (the default): own the data and socket directories, then start again as postgres.
    install -d -o postgres -g postgres -m 0700 "$PGDATA"
    chown postgres:postgres "$PGDATA"
    chmod 0700 "$PGDATA"
    install -d -o postgres -g postgres -m 3777 /var/run/postgresql
    exec setpriv --reuid=postgres --regid=postgres --init-groups "${BASH_SOURCE[0]}" "$@"
  fi
  if [[ ! -s "$PGDATA/PG_VERSION" ]]; then
    init_cluster
  fi
  unset POSTGRES_PASSWORD
  exec "$@"
fi

exec "$@"
