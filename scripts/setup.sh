#!/usr/bin/env bash
# npm run setup: install everything, generate the database clients, migrate and seed.
# Safe to run again; works offline apart from the npm registry and Debian's packages.
set -euo pipefail
cd "$(dirname "$0")/.."
export NEXT_TELEMETRY_DISABLED=1
# The local sandbox's data plane (HAProxy, with its Lua), the certificate tooling it checks with,
# and wrk (an external load generator the performance checks compare against).
bash scripts/ensure-debian.sh haproxy:haproxy openssl:openssl wrk:wrk
if [ "${CI:-}" = "true" ] || [ ! -d node_modules ]; then
  npm ci --no-audit --no-fund
else
  npm install --no-audit --no-fund
fi
npm run db:generate
npm run db:migrate
npm run db:seed
echo "Setup done. Serve with: npm run build && npm start"
