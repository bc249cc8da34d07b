/**
 * The reason a test cannot run on this machine, for `ctx.skip()` and
 * `skipIf`. Under CI=true there is no such reason: .ci/run installs or fetches
 * everything the suite needs, so a missing tool is a broken CI machine and
 * fails the test (or the file) instead of passing it by skipping.
 */
export function skipReason(reason: string | undefined): string | undefined {
  if (reason !== undefined && process.env.CI === 'true') {
    throw new Error(`${reason}; under CI=true nothing may skip (.ci/run installs what the suite needs)`);
  }
  return reason;
}
