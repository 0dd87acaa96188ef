#!/usr/bin/env bash
# Dependency audit (H3): `npm run audit:deps [-- [--sbom-only] [SBOM_PATH]]`.
#
# 1. Writes a CycloneDX SBOM of the shipped (non-dev) dependencies to SBOM_PATH
#    (default dist/sbom.cdx.json), offline, with scripts/sbom.mjs.
# 2. Unless --sbom-only: `npm audit --omit=dev` against the registry's advisory data.
#
# Exit status: 0 audited, no known vulnerability; 1 vulnerabilities found; 2 AUDIT NOT DONE (the
# advisory data could not be reached: never a silent pass); 3 the SBOM could not be made.
set -uo pipefail
cd "$(dirname "$0")/.."

sbom_only=0
out=dist/sbom.cdx.json
for arg in "$@"; do
  case "$arg" in
    --sbom-only) sbom_only=1 ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) out="$arg" ;;
  esac
done

echo "== SBOM (CycloneDX, production dependencies) -> $out"
node scripts/sbom.mjs "$out" || { echo "SBOM FAILED"; exit 3; }
[ "$sbom_only" = 1 ] && exit 0

echo "== npm audit --omit=dev"
report=$(mktemp)
trap 'rm -f "$report"' EXIT
npm audit --omit=dev --json >"$report" 2>/dev/null
audit_status=$?
# npm audit's exit status is non-zero both for vulnerabilities and for an unreachable advisory
# endpoint: the JSON tells them apart (metadata.vulnerabilities only when the audit ran).
node - "$report" "$audit_status" <<'JS'
const fs = require('node:fs');
const [file, status] = process.argv.slice(2);
let r = null;
try { r = JSON.parse(fs.readFileSync(file, 'utf8')); } catch { r = null; }
const v = r?.metadata?.vulnerabilities;
if (!v) {
  const why = r?.message ?? r?.error?.summary ?? `npm audit exited with ${status} and no report`;
  process.stdout.write(
    `AUDIT NOT DONE: the advisory data could not be reached (${why}).\n` +
      'No vulnerability check was made. Run `npm run audit:deps` where the registry\'s advisory\n' +
      'endpoint answers, or check the SBOM against an advisory database by other means.\n',
  );
  process.exit(2);
}
const total = Object.values(v).reduce((a, b) => a + b, 0);
const deps = r.metadata.dependencies?.prod ?? r.metadata.dependencies?.total ?? '?';
if (total === 0) {
  process.stdout.write(`AUDIT OK: no known vulnerability in ${deps} production dependencies.\n`);
  process.exit(0);
}
process.stdout.write(`AUDIT FOUND ${total} vulnerabilities: ${JSON.stringify(v)}\n`);
for (const [name, x] of Object.entries(r.vulnerabilities ?? {})) {
  process.stdout.write(`  ${name} (${x.severity}): ${x.range ?? ''} fix: ${typeof x.fixAvailable === 'object' ? JSON.stringify(x.fixAvailable) : x.fixAvailable}\n`);
}
process.exit(1);
JS
