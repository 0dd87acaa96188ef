#!/usr/bin/env bash
# Installs what the tests need (Debian's Chromium, iproute2 and ffmpeg for ffprobe included) and runs every test:
# unit tests, raw HTTP/WebSocket attacker tests and real-browser scenarios.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v ip >/dev/null 2>&1 || missing+=(iproute2)
command -v unshare >/dev/null 2>&1 || missing+=(util-linux)
command -v ffprobe >/dev/null 2>&1 || missing+=(ffmpeg)
if [ ${#missing[@]} -gt 0 ]; then
  echo "== installing ${missing[*]} from Debian"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

echo "== npm ci"
npm ci --no-audit --no-fund
echo "== build"
npm run -s build
echo "== typecheck"
npm run -s typecheck
echo "== lint"
npm run -s lint
echo "== import cycles (dpdm: type-only imports count too)"
npm run -s check:cycles

# Every test runs in a network namespace that holds only loopback, so neither the server nor a
# browser can reach (or offer ICE candidates for) any other address of this machine.
echo "== tests (isolated network namespace: loopback only)"
if [ "$(id -u)" = 0 ]; then NS=(unshare -n); else NS=(unshare -rn); fi
exec "${NS[@]}" sh -c 'ip link set lo up && exec "$@"' sh npm run -s test:run
