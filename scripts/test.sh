#!/usr/bin/env bash
# npm test: type-check, unit tests (vitest, SQLite and a private PostgreSQL), then e2e tests
# (Playwright in Debian's Chromium against a production build).
set -euo pipefail
cd "$(dirname "$0")/.."
export NEXT_TELEMETRY_DISABLED=1
bash scripts/ensure-debian.sh /usr/bin/chromium:chromium
bash scripts/pg/ensure.sh
npm run db:generate >/dev/null
echo "== type-check"
npx tsc --noEmit
echo "== unit tests"
npx vitest run
echo "== build"
npx next build >/tmp/meshloom-build.log 2>&1 || { cat /tmp/meshloom-build.log; exit 1; }
echo "== e2e tests"
npx playwright test
