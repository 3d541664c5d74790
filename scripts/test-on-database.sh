#!/usr/bin/env bash
# The suites run on PostgreSQL or MariaDB (`npm run test:postgres`, `npm run test:mysql`).
# Everything runs on SQLite (`npm run test:sqlite`); here run the suites that reach the
# database, a new one included by default. Left to SQLite, because nothing in them
# differs between databases: request validation, translations, the OpenAPI document,
# HTTP signing, TLS, security headers and the path-spelling walk (all decided before any
# query), and `cronfleet up` (the embedded single-machine mode).
set -euo pipefail
dialect="${1:?usage: test-on-database.sh postgres|mysql}"
cd "$(dirname "$0")/.."
sqlite_only=(
  test/api/error-languages.test.ts test/api/openapi.test.ts test/api/request-errors.test.ts
  test/api/schedules.test.ts test/api/seed-bodies.test.ts test/api/task-validation.test.ts
  test/security/hardening.test.ts test/security/route-spelling.test.ts test/security/tls.test.ts
  test/dispatch/http-executor-config.test.ts test/dispatch/signed-requests.test.ts
)
files=()
for file in test/{store,scheduler,api,fleet,cluster,dispatch,security,workflows}/*.test.ts; do
  [[ " ${sqlite_only[*]} " == *" $file "* ]] || files+=("$file")
done
export CRONFLEET_TEST_DATABASE="$dialect"
export NODE_COMPILE_CACHE="${NODE_COMPILE_CACHE:-node_modules/.cache/node-compile}"
exec node --disable-warning=ExperimentalWarning --test --test-concurrency=1 --test-timeout=120000 "${files[@]}"
