#!/usr/bin/env bash
# Make sure a PostgreSQL server answers on 127.0.0.1:$PORT for the test suite's PostgreSQL run.
# A server already running there is used as it is (it must let user postgres in without a password, as a
# trust or a ~/.pgpass entry does). Otherwise Debian's postgresql package is installed when missing and a
# cluster of the tests' own is created in $DATA (trust authentication, loopback only) and started.
set -euo pipefail
PORT="${ITSCM_TEST_POSTGRES_PORT:-5432}"
DATA="${ITSCM_TEST_POSTGRES_DATA:-$(pwd)/.pgdata}"
SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"

if command -v pg_isready >/dev/null 2>&1 && pg_isready -q -h 127.0.0.1 -p "$PORT"; then
  exit 0
fi
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  command -v apt-get >/dev/null 2>&1 || { echo "Install PostgreSQL 15 or newer, or start one on 127.0.0.1:$PORT"; exit 1; }
  # Installing the package may start Debian's own cluster on port 5432; when that is the port asked for,
  # the check below finds it running.
  $SUDO apt-get update -q && $SUDO apt-get install -y -q postgresql
  if pg_isready -q -h 127.0.0.1 -p "$PORT" && psql -h 127.0.0.1 -p "$PORT" -U postgres -Atc "SELECT 1" postgres >/dev/null 2>&1; then
    exit 0
  fi
fi
BIN="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
# The server refuses to run as root: as root it runs as Debian's postgres user.
RUN=()
if [ "$(id -u)" = 0 ]; then
  mkdir -p "$DATA" && chown postgres: "$DATA"
  RUN=(runuser -u postgres --)
fi
if [ ! -s "$DATA/PG_VERSION" ]; then
  "${RUN[@]}" "$BIN/initdb" -D "$DATA" -U postgres -A trust --no-sync >/dev/null
fi
"${RUN[@]}" "$BIN/pg_ctl" -D "$DATA" -l "$DATA/server.log" -w \
  -o "-p $PORT -c listen_addresses=127.0.0.1 -k $DATA -c fsync=off" start >/dev/null
pg_isready -q -h 127.0.0.1 -p "$PORT" || { echo "PostgreSQL did not start; see $DATA/server.log"; exit 1; }
