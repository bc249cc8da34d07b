// Reads vitest's JSON report and prints the CI's last line, "N passed, N failed".
// Under CI=true a skipped test counts as failed (and is named above that line):
// CI installs or fetches everything the suite needs, so nothing has a reason to
// skip there. Exit status 1 when anything failed or skipped under CI.
// Plain JavaScript for any Node from 18 on.
import { existsSync, readFileSync } from 'node:fs';
import { relative } from 'node:path';

const file = process.argv[2];
if (!file || !existsSync(file)) {
  console.log('0 passed, 1 failed');
  process.exit(1);
}
const report = JSON.parse(readFileSync(file, 'utf8'));
const skipped = [];
for (const suite of report.testResults ?? []) {
  for (const test of suite.assertionResults ?? []) {
    if (['pending', 'skipped', 'todo', 'disabled'].includes(test.status)) skipped.push(`${relative(process.cwd(), suite.name)}: ${test.fullName ?? test.title}`);
  }
}
const ci = process.env.CI === 'true';
let failed = (report.numFailedTests ?? 0) + (report.numFailedTestSuites ?? 0);
if (skipped.length > 0) {
  console.log(`${skipped.length} skipped${ci ? ' (a failure under CI=true)' : ''}:`);
  for (const name of skipped) console.log(`  ${name}`);
  if (ci) failed += skipped.length;
}
console.log(`${report.numPassedTests ?? 0} passed, ${failed} failed`);
process.exit(failed > 0 || report.success === false ? 1 : 0);
