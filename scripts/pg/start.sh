#!/usr/bin/env bash
# Starts a private, throw-away PostgreSQL cluster for tests: initdb into a new temp folder,
# trust auth, listening on 127.0.0.1 only on a free port. When run as root, the server runs as
# the `postgres` user (initdb refuses root). Prints, one per line:
#   TEST_POSTGRES_URL=postgresql://postgres@127.0.0.1:<port>/postgres
#   TEST_POSTGRES_DIR=<folder>        (pass it to stop.sh)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bindir="$("$here/ensure.sh")"

dir="$(mktemp -d "${TMPDIR:-/tmp}/meshloom-pg.XXXXXX")"
run() { "$@"; }
if [[ "$(id -u)" == 0 ]]; then
  id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql --shell /bin/false postgres
  chown postgres: "$dir"
  run() { runuser -u postgres -- "$@"; }
fi

port="$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"

run "$bindir/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync >"$dir/initdb.log" 2>&1 \
  || { cat "$dir/initdb.log" >&2; exit 1; }
# Durability is pointless for a test cluster; these make it fast.
run "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start \
  -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
  >/dev/null || { cat "$dir/server.log" >&2; exit 1; }

echo "TEST_POSTGRES_URL=postgresql://postgres@127.0.0.1:$port/postgres"
echo "TEST_POSTGRES_DIR=$dir"
