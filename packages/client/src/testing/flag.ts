// Whether this bundle is the e2e test build. `vite build --mode e2e` (into dist-test/, which the
// e2e harness serves) defines it as '1'; every other build defines it as '', so the bundler drops
// each `if (TEST_HOOKS)` branch together with the testing/ modules only those branches use, and
// a production bundle holds no test hook (test/productionBundle.test.ts reads the built files).
// Node tests run the sources without Vite, where import.meta.env is undefined: off.
//
// Only static imports may sit behind this flag: a dynamic import() in a dead branch still emits
// its chunk into the production build.
export const TEST_HOOKS: boolean = import.meta.env?.VITE_KAIGI_TEST_HOOKS === '1';
