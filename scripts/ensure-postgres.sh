#!/usr/bin/env bash
# Start the local PostgreSQL cluster if it is down and create the role and database pimm's tests
# use. Idempotent. The cluster keeps its peer/scram authentication: pimm connects over TCP on
# 127.0.0.1 with a password (scram-sha-256). Prints the environment to export.
set -euo pipefail
role=${PIMM_DB_USER:-pimm}
password=${PIMM_DB_PASSWORD:-pimm-test-only}
db=${PIMM_DB_NAME:-pimm}
as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else sudo -n -u postgres "$@"; fi; }

if ! command -v pg_lsclusters >/dev/null 2>&1; then
  echo "PostgreSQL is not installed (apt-get install postgresql)." >&2; exit 1
fi
if [ -z "$(pg_lsclusters -h 2>/dev/null)" ]; then
  version=$(ls /usr/lib/postgresql | sort -V | tail -1)
  pg_createcluster "$version" main >/dev/null
fi
read -r version cluster port status _rest < <(pg_lsclusters -h | head -1)
if [ "$status" != "online" ]; then
  pg_ctlcluster "$version" "$cluster" start
fi
for _ in $(seq 1 30); do
  pg_isready -q -h 127.0.0.1 -p "$port" && break
  sleep 1
done
pg_isready -q -h 127.0.0.1 -p "$port" || { echo "PostgreSQL did not start on port $port" >&2; exit 1; }
if ! as_postgres psql -p "$port" -tAc "SELECT 1 FROM pg_roles WHERE rolname='$role'" | grep -q 1; then
  as_postgres psql -p "$port" -q -c "CREATE ROLE \"$role\" LOGIN CREATEDB PASSWORD '$password'"
else
  as_postgres psql -p "$port" -q -c "ALTER ROLE \"$role\" LOGIN CREATEDB PASSWORD '$password'"
fi
if ! as_postgres psql -p "$port" -tAc "SELECT 1 FROM pg_database WHERE datname='$db'" | grep -q 1; then
  as_postgres createdb -p "$port" -O "$role" "$db"
fi
echo "export PIMM_DB_ENGINE=postgresql PIMM_DB_HOST=127.0.0.1 PIMM_DB_PORT=$port PIMM_DB_USER=$role PIMM_DB_PASSWORD=$password PIMM_DB_NAME=$db"
