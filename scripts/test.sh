#!/usr/bin/env bash
# Runs every test: type check, unit, integration (built server) and end-to-end (Debian's Chromium).
# Installs what the tests need that npm cannot: chromium, poppler-utils, qpdf, mupdf-tools (a second
# PDF signature verifier), openssl (a local RFC 3161 time-stamping authority), fonts, redis-server and
# haproxy (several instances behind a load balancer).
set -uo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v pdfsig >/dev/null 2>&1 || missing+=(poppler-utils)
command -v qpdf >/dev/null 2>&1 || missing+=(qpdf)
command -v mutool >/dev/null 2>&1 || missing+=(mupdf-tools)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
# The second engine (the unit and integration layers run on both) and several instances
# (tests/integration/cluster.test.ts): PostgreSQL, Redis and HAProxy in front of the built server.
compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null || missing+=(postgresql)
[ -x /usr/bin/redis-server ] || missing+=(redis-server)
[ -x /usr/sbin/haproxy ] || missing+=(haproxy)
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing+=(fonts-dejavu-core)
if [ ${#missing[@]} -gt 0 ]; then
	echo "Installing system packages for tests: ${missing[*]}"
	sudo=""
	[ "$(id -u)" -ne 0 ] && sudo="sudo"
	$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || {
		echo "Could not install ${missing[*]} (apt-get)"; exit 1; }
fi

[ -d node_modules ] || npm ci

set -e
npm run check
npm run build
set +e
mkdir -p test-output
# Every layer on the embedded default (SQLite) …
npx vitest run --reporter=default --reporter=json --outputFile.json=test-output/vitest.json
status=$?
# … then the unit and integration layers again on PostgreSQL (a real server started by the tests;
# the three-instance and fleet start-up tests already run on PostgreSQL in the first pass).
MUFAKAT_TEST_DATABASE=postgres npx vitest run --project unit --project integration --exclude tests/integration/cluster.test.ts --exclude tests/integration/postgres-startup.test.ts \
	--reporter=default --reporter=json --outputFile.json=test-output/vitest-postgres.json || status=1
node scripts/summarize-tests.mjs test-output/vitest.json test-output/vitest-postgres.json || status=1
exit $status
