#!/usr/bin/env bash
# Makes sure PostgreSQL's server binaries are present; installs Debian's `postgresql` with
# apt-get only when no initdb is found. Prints the directory holding initdb/pg_ctl.
set -euo pipefail

find_bindir() {
  local d
  for d in /usr/lib/postgresql/*/bin; do
    if [[ -x "$d/initdb" && -x "$d/pg_ctl" ]]; then echo "$d"; fi
  done | sort -V | tail -n 1
}

bindir="$(find_bindir)"
if [[ -z "$bindir" ]]; then
  if [[ "$(id -u)" != 0 ]] || ! command -v apt-get >/dev/null; then
    echo "PostgreSQL is not installed and cannot be installed here (needs root and apt-get)" >&2
    exit 1
  fi
  echo "installing PostgreSQL with apt-get..." >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y --no-install-recommends postgresql >&2 \
    || { apt-get update >&2 && apt-get install -y --no-install-recommends postgresql >&2; }
  bindir="$(find_bindir)"
  [[ -n "$bindir" ]] || { echo "apt-get installed postgresql but no initdb was found" >&2; exit 1; }
fi
echo "$bindir"
