#!/usr/bin/env node
// Runs a command with a Node.js the project can use (>= 22.15) first on PATH, so
// the command, `npm run` inside it and every `node` it spawns get that Node.
//
//   node scripts/with-node.mjs <command> [args...]   run it; exit with its status or signal
//   node scripts/with-node.mjs --bin-dir             print the chosen Node's bin directory
//
// The Node on PATH is used when it is recent enough, else .cache/node24, else
// Node 24 is fetched from the npm registry (the node-<os>-<arch> package) into
// .cache/node24, said in one line on stderr. Written for the machine's own Node
// (18 or newer) and without dependencies: it runs before `npm ci` matters.
// bin/qb-agent.js, the container image and the systemd unit never use it.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { constants } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { isatty } from 'node:tty';
import { fileURLToPath } from 'node:url';

const MINIMUM = [22, 15];
const MAJOR = 24;
const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const CACHE = join(ROOT, '.cache');
const CACHED_NODE_DIR = join(CACHE, `node${MAJOR}`);
const PACKAGE = `node-${process.platform}-${process.arch}@${MAJOR}`;
/** Signals passed on to the command. SIGUSR1 stays Node's (it opens the inspector). */
const FORWARDED = ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGQUIT', 'SIGUSR2'];

function isRecentEnough(version) {
  const [major, minor] = String(version).replace(/^v/, '').split('.').map(Number);
  return major > MINIMUM[0] || (major === MINIMUM[0] && minor >= MINIMUM[1]);
}

/** The version a node binary reports, or undefined when it does not run. */
function versionOf(node) {
  const r = spawnSync(node, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/** The first `node` on PATH, as the shell would find it. */
function nodeOnPath() {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir || '.', 'node');
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** A reason to stop, said as one line on stderr (exit 1). */
class LauncherError extends Error {}

/**
 * Fetches Node into .cache/node24. Concurrent first runs each unpack into their
 * own temporary directory on the same file system and rename it into place:
 * the first rename wins, the others find a complete Node and drop their copy.
 */
function provision(reason) {
  process.stderr.write(`with-node: ${reason}; fetching Node ${MAJOR} from the npm registry (${PACKAGE}) into .cache/node${MAJOR}\n`);
  mkdirSync(CACHE, { recursive: true });
  const staging = mkdtempSync(join(CACHE, `node${MAJOR}.partial-`));
  try {
    const pack = spawnSync('npm', ['pack', '--silent', PACKAGE], { cwd: staging, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const tarball = readdirSync(staging).find((f) => f.endsWith('.tgz'));
    if (pack.status !== 0 || tarball === undefined) {
      throw new LauncherError(`npm pack ${PACKAGE} failed: ${(pack.stderr || pack.error?.message || '').trim().split('\n').at(-1)}`);
    }
    const unpacked = join(staging, 'node');
    mkdirSync(unpacked);
    const tar = spawnSync('tar', ['xzf', join(staging, tarball), '-C', unpacked, '--strip-components=1'], { encoding: 'utf8' });
    const node = join(unpacked, 'bin', 'node');
    if (tar.status !== 0 || !isRecentEnough(versionOf(node))) {
      throw new LauncherError(`the ${PACKAGE} package did not give a working Node: ${(tar.stderr ?? '').trim()}`);
    }
    moveIntoPlace(unpacked, staging);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return join(CACHED_NODE_DIR, 'bin');
}

/**
 * Renames the unpacked Node to .cache/node24. When that exists already, it is
 * either a concurrent run's complete copy (use it) or a broken leftover (move
 * it aside and try again).
 */
function moveIntoPlace(unpacked, staging) {
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      renameSync(unpacked, CACHED_NODE_DIR);
      return;
    } catch (err) {
      if (err.code !== 'ENOTEMPTY' && err.code !== 'EEXIST') throw err;
    }
    if (isRecentEnough(versionOf(join(CACHED_NODE_DIR, 'bin', 'node')))) return;
    try {
      renameSync(CACHED_NODE_DIR, join(staging, `broken-${attempt}`));
    } catch (err) {
      if (err.code !== 'ENOENT') throw err; // another run moved it first
    }
  }
  throw new LauncherError(`cannot move Node into ${CACHED_NODE_DIR}`);
}

/** The bin directory of a Node >= 22.15: this one, the one on PATH, the cached one, or a fetched one. */
function chooseNodeBinDir() {
  if (isRecentEnough(process.versions.node)) return dirname(process.execPath);
  const onPath = nodeOnPath();
  if (onPath && onPath !== process.execPath && isRecentEnough(versionOf(onPath))) return dirname(onPath);
  const cached = join(CACHED_NODE_DIR, 'bin', 'node');
  if (existsSync(cached) && isRecentEnough(versionOf(cached))) return dirname(cached);
  return provision(`node ${process.version} is older than ${MINIMUM.join('.')}`);
}

function run(binDir, command, args) {
  const child = spawn(command, args, { stdio: 'inherit', env: { ...process.env, PATH: `${binDir}${delimiter}${process.env.PATH ?? ''}` } });
  for (const signal of FORWARDED) {
    process.on(signal, () => {
      // Ctrl-C at a terminal reaches the whole foreground process group, the command
      // included: passing it on as well would be a second SIGINT (which makes the agent
      // skip its graceful stop).
      if (signal === 'SIGINT' && isatty(0)) return;
      child.kill(signal);
    });
  }
  // npm runs scripts under `sh -c`, which a SIGTERM kills without passing it on: when our
  // parent goes away, stop the command the same way rather than leave it running.
  const parent = process.ppid;
  const watch = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(watch);
    child.kill('SIGTERM');
  }, 500);
  watch.unref();
  child.on('error', (err) => {
    process.stderr.write(`with-node: cannot run ${command}: ${err.message}\n`);
    process.exit(err.code === 'ENOENT' ? 127 : 126);
  });
  child.on('exit', (code, signal) => {
    if (signal) {
      // Die of the same signal, so our parent sees what the command did.
      process.removeAllListeners(signal);
      process.kill(process.pid, signal);
      // A signal whose default is not to terminate: exit as a shell reports it.
      setTimeout(() => process.exit(128 + (constants.signals[signal] ?? 0)), 100);
      return;
    }
    process.exit(code ?? 1);
  });
}

const [command, ...args] = process.argv.slice(2);
try {
  if (command === undefined) throw new LauncherError('usage: node scripts/with-node.mjs <command> [args...] | --bin-dir');
  const binDir = chooseNodeBinDir();
  if (command === '--bin-dir') process.stdout.write(`${binDir}\n`);
  else run(binDir, command, args);
} catch (err) {
  process.stderr.write(`with-node: ${err instanceof LauncherError ? err.message : err.stack}\n`);
  process.exit(1);
}
