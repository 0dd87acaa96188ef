#!/usr/bin/env bash
# The long fuzz run (B1, H4): `npm run fuzz [-- COUNT]`, 1,000,000 signalling frames and HTTP
# bodies by default, against a server built in the fuzzer's own process. Prints messages per
# second and peak memory at the end; exits non-zero on any failure.
# Environment: FUZZ_COUNT, FUZZ_SEED (reproduce a run), FUZZ_LANES (signalling connections at
# once), FUZZ_SESSION (longest session in frames), FUZZ_HTTP_SHARE (0..1), FUZZ_SECONDS (stop
# taking new messages after that long: a long run cut to the time there is).
set -euo pipefail
cd "$(dirname "$0")/.."
tsc_bin=node_modules/.bin/tsc
"$tsc_bin" -b packages/protocol packages/server
# Loopback only, as the tests run: the in-process server and its SFU reach nothing else.
if [ "$(id -u)" = 0 ]; then NS=(unshare -n); else NS=(unshare -rn); fi
exec "${NS[@]}" sh -c 'ip link set lo up && exec "$@"' sh node --expose-gc --import tsx e2e/fuzz/fuzz.ts "$@"
