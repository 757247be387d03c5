#!/usr/bin/env bash
# Browser tests of the admin panel, from a clean clone: installs Debian's
# Chromium and the npm packages when missing, builds flowtrack, serves it on
# a fresh SQLite database with one superuser on a free port, and runs
# e2e/*.test.mjs with node's test runner. Exits non-zero when a test fails.
#
#   e2e/run.sh                      run every test file
#   e2e/run.sh e2e/admin.test.mjs   run some
#   FLOWTRACK_E2E_PORT=8123 e2e/run.sh   serve on a given port
#   FLOWTRACK_E2E_POSTGRES=postgres://... e2e/run.sh
#                                   serve on a new database of that PostgreSQL
#                                   server (dropped afterwards) instead of SQLite
set -euo pipefail

e2e="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$e2e")"
here="$PWD"
started=$SECONDS

# Debian's browser: a test tool must never download one of its own.
if [ ! -x /usr/bin/chromium ]; then
	echo "e2e: installing Debian's chromium"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
command -v node >/dev/null || { echo "e2e: node is needed (Node.js 20 or later)" >&2; exit 1; }

# npm ci when node_modules is missing or older than the lockfile; npm writes
# node_modules/.package-lock.json at each install.
if [ ! -f "$e2e/node_modules/.package-lock.json" ] || [ ! -d "$e2e/node_modules/playwright-core" ] ||
	[ "$e2e/package-lock.json" -nt "$e2e/node_modules/.package-lock.json" ]; then
	echo "e2e: npm ci"
	(cd "$e2e" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)
fi

tmp="$(mktemp -d "${TMPDIR:-/tmp}/flowtrack-e2e.XXXXXX")"
server=""
pg_server="${FLOWTRACK_E2E_POSTGRES:-}"
pg_db=""
cleanup() {
	status=$?
	if [ -n "$server" ] && kill -0 "$server" 2>/dev/null; then
		kill "$server" 2>/dev/null || true
		wait "$server" 2>/dev/null || true
	fi
	if [ "$status" -ne 0 ] && [ -s "$tmp/serve.log" ]; then
		echo "e2e: the server's last log lines:" >&2
		tail -n 30 "$tmp/serve.log" >&2
	fi
	if [ -n "$pg_db" ]; then
		psql -q "$pg_server" -c "DROP DATABASE IF EXISTS $pg_db WITH (FORCE)" >/dev/null || true
	fi
	rm -rf "$tmp"
	exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "e2e: building flowtrack"
(cd "$root" && CGO_ENABLED=0 go build -o "$tmp/flowtrack" ./cmd/flowtrack)

port="${FLOWTRACK_E2E_PORT:-$(node -e '
	const s = require("node:net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });')}"
# The server's settings, and nothing from the caller's environment.
while IFS='=' read -r name _; do
	case "$name" in FLOWTRACK_*) unset "$name" ;; esac
done < <(env)
export FLOWTRACK_ADDR="127.0.0.1:$port"
shots="$e2e/screenshots"
if [ -n "$pg_server" ]; then
	pg_db="flowtrack_e2e_$(node -e 'console.log(require("node:crypto").randomBytes(6).toString("hex"))')"
	psql -q "$pg_server" -c "CREATE DATABASE $pg_db" >/dev/null
	FLOWTRACK_DATABASE_URL="$(node -e 'const u = new URL(process.argv[1]); u.pathname = "/" + process.argv[2]; console.log(u.href)' "$pg_server" "$pg_db")"
	export FLOWTRACK_DATABASE_URL
	FLOWTRACK_SECRET_KEY="$(node -e 'console.log(require("node:crypto").randomBytes(32).toString("hex"))')"
	export FLOWTRACK_SECRET_KEY
	shots="$e2e/screenshots/postgres"
else
	export FLOWTRACK_DATABASE_URL="sqlite:$tmp/flowtrack.db"
fi
admin_user=admin
admin_password='Tr0ub4dor-Staple-Lamp!'

cd "$tmp"
if [ -n "$pg_server" ]; then ./flowtrack migrate; fi
FLOWTRACK_SUPERUSER_PASSWORD="$admin_password" ./flowtrack createsuperuser --username "$admin_user" --email admin@example.com
./flowtrack serve >"$tmp/serve.log" 2>&1 &
server=$!

base="http://127.0.0.1:$port"
healthy() { node -e 'fetch(process.argv[1]).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))' "$base/healthz"; }
for _ in $(seq 1 100); do
	healthy && break
	kill -0 "$server" 2>/dev/null || { echo "e2e: flowtrack serve exited" >&2; exit 1; }
	sleep 0.1
done
healthy || { echo "e2e: $base/healthz did not answer" >&2; exit 1; }
echo "e2e: flowtrack serving at $base on ${FLOWTRACK_DATABASE_URL%%\?*}"

# Screenshots of this run only.
mkdir -p "$shots"
rm -f "$shots/"*.png

if [ "$#" -gt 0 ]; then
	files=()
	for f in "$@"; do files+=("$(cd "$here" && realpath "$f")"); done
else
	files=("$e2e"/*.test.mjs)
fi
cd "$e2e"
set +e
FLOWTRACK_E2E_BASE_URL="$base" FLOWTRACK_E2E_USERNAME="$admin_user" FLOWTRACK_E2E_PASSWORD="$admin_password" \
	FLOWTRACK_E2E_SCREENSHOTS="$shots" \
	node --test --test-reporter=spec "${files[@]}"
result=$?
set -e
echo "e2e: screenshots in $shots/ ($(find "$shots" -maxdepth 1 -name '*.png' | wc -l) files); took $((SECONDS - started)) s"
exit "$result"
