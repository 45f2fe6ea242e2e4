#!/usr/bin/env bash
# Browser end-to-end tests: start the real server with demo data on a scratch database,
# run Playwright in headless Chromium against it, and always stop the server afterwards.
set -euo pipefail
cd "$(dirname "$0")/../.."

: "${PORTCULLIS_BIN:?path to the portcullis binary}"
E2E_ADDR="${E2E_ADDR:-127.0.0.1:8089}"
data_dir="$(mktemp -d)"
log="$data_dir/server.log"
server_pid=""

cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$data_dir"
}
trap cleanup EXIT

export PORTCULLIS_ADDR="$E2E_ADDR" PORTCULLIS_DATA_DIR="$data_dir"
# Access tokens live 5 seconds (the shortest the server allows) for the whole run, not only
# for the tests about keeping people signed in: every browser test then also crosses expired
# tokens, so the web client's refresh-and-retry path is exercised on every screen and action
# rather than in one special scenario, and one server keeps the run short. Tests that call the
# API directly take a fresh token right before they use it.
export PORTCULLIS_ACCESS_TOKEN_TTL_SECS=5
# Every spec signs its people in against this one server, from one address: the per-address
# sign-in limit (tested on its own in the API suite) is raised so the run is not throttled.
export PORTCULLIS_AUTH_ATTEMPTS_PER_IP_PER_MINUTE=600
unset DATABASE_URL
"$PORTCULLIS_BIN" seed-demo >/dev/null
"$PORTCULLIS_BIN" serve >"$log" 2>&1 &
server_pid=$!

for _ in $(seq 1 100); do
  if curl -fsS "http://$E2E_ADDR/readyz" >/dev/null 2>&1; then break; fi
  if ! kill -0 "$server_pid" 2>/dev/null; then echo "the server exited:"; cat "$log"; exit 1; fi
  sleep 0.1
done
curl -fsS "http://$E2E_ADDR/readyz" >/dev/null || { echo "the server did not become ready:"; cat "$log"; exit 1; }

# Fetch every asset once so that the first test does not wait for compression.
for asset in $(curl -fsS "http://$E2E_ADDR/" | grep -oE '/[a-z0-9_-]+\.(js|wasm|css)' | sort -u); do
  curl -fsS -H 'accept-encoding: br, gzip' -o /dev/null "http://$E2E_ADDR$asset"
done

PORTCULLIS_E2E_URL="http://$E2E_ADDR" npx playwright test "$@"
