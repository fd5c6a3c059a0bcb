#!/usr/bin/env bash
# Stops a cluster started by start.sh and removes its folder. Usage: stop.sh <TEST_POSTGRES_DIR>
set -euo pipefail
dir="${1:?usage: stop.sh <TEST_POSTGRES_DIR>}"
[[ -f "$dir/data/PG_VERSION" ]] || { echo "not a cluster started by start.sh: $dir" >&2; exit 1; }
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bindir="$("$here/ensure.sh")"
if [[ "$(id -u)" == 0 ]]; then
  runuser -u postgres -- "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null || true
else
  "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null || true
fi
rm -rf "$dir"
