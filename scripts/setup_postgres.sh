#!/usr/bin/env bash
# A local PostgreSQL server for the assessment register's tests (tests/register, `make postgres`).
#
# Idempotent: installs Debian's postgresql if missing, starts its cluster if down, creates (or
# refreshes) the login role riskmodel (password riskmodel, CREATEDB) and prints, as its last line,
# the URL to put in RISKMODEL_TEST_POSTGRES. The tests create and drop a database of their own
# (rm_test_<hex>) for each test; nothing else on the server is touched.
set -euo pipefail

ROLE=riskmodel
PASSWORD=riskmodel

# sudo only when not root (containers often have no sudo and run as root).
if [ "$(id -u)" = 0 ]; then
  SUDO=()
  as_postgres() { runuser -u postgres -- "$@"; }
else
  SUDO=(sudo)
  as_postgres() { sudo -u postgres -- "$@"; }
fi

log() { echo "setup_postgres: $*" >&2; }

if ! command -v pg_ctlcluster >/dev/null 2>&1; then
  log "installing Debian's postgresql"
  "${SUDO[@]}" apt-get install -y --no-install-recommends postgresql >&2 ||
    { "${SUDO[@]}" apt-get update -qq >&2 &&
      "${SUDO[@]}" apt-get install -y --no-install-recommends postgresql >&2; }
fi

# The first cluster listed (Debian creates "<version> main" when the package is installed).
read -r VERSION CLUSTER PORT STATUS _ < <(pg_lsclusters -h | head -n 1) || true
if [ -z "${VERSION:-}" ]; then
  VERSION=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
  CLUSTER=main
  log "creating cluster $VERSION $CLUSTER"
  "${SUDO[@]}" pg_createcluster "$VERSION" "$CLUSTER" >&2
  read -r VERSION CLUSTER PORT STATUS _ < <(pg_lsclusters -h | head -n 1)
fi

if [ "$STATUS" != online ]; then
  log "starting cluster $VERSION $CLUSTER (port $PORT)"
  "${SUDO[@]}" pg_ctlcluster "$VERSION" "$CLUSTER" start >&2
fi

for _ in $(seq 1 30); do
  pg_isready -q -h 127.0.0.1 -p "$PORT" && break
  sleep 1
done
pg_isready -q -h 127.0.0.1 -p "$PORT" || { log "the server on port $PORT does not answer"; exit 1; }

# psql runs from / so that postgres need not read the caller's working directory.
(cd / && as_postgres psql -q -v ON_ERROR_STOP=1 -p "$PORT" -d postgres) >&2 <<SQL
DO \$\$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$ROLE') THEN
    CREATE ROLE $ROLE LOGIN CREATEDB PASSWORD '$PASSWORD';
  ELSE
    ALTER ROLE $ROLE LOGIN CREATEDB PASSWORD '$PASSWORD';
  END IF;
END
\$\$;
SQL

echo "postgresql+psycopg://$ROLE:$PASSWORD@127.0.0.1:$PORT/postgres"
