/** The recorder's clock (ms): frame times, header waits and rollovers are all measured on it. */
export const now = (): number => performance.now();
