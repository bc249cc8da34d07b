import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { builtinModules } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCHEMA } from '../../src/config/schema.ts';
import { runCli, spawnAgent, type AgentProcess } from '../support/agent-process.ts';
import { freePort } from '../support/ports.ts';
import { ROOT } from '../support/tools.ts';
import { execForm, instructions, isIgnored, keyValues, parseDockerfile, readDockerignore, type Stage } from './support/dockerfile.ts';

const stages = parseDockerfile(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'));
const runtime = stages.at(-1)!;
const ignore = readDockerignore(readFileSync(join(ROOT, '.dockerignore'), 'utf8'));
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  version: string;
  license: string;
  dependencies: Record<string, string>;
};

const envOf = (stage: Stage) => Object.assign({}, ...instructions(stage, 'ENV').map((i) => keyValues(i.args))) as Record<string, string>;
const one = (stage: Stage, keyword: string) => {
  const found = instructions(stage, keyword);
  expect(found, keyword).toHaveLength(1);
  return found[0]!.args;
};

describe('Dockerfile', () => {
  it('is multi-stage, every stage on an official Node 24 slim image', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const stage of stages) {
      if (stages.some((s) => s.name === stage.image)) continue; // FROM an earlier stage
      expect(stage.image).toMatch(/^node:24-[a-z]+-slim$/);
    }
    expect(runtime.image).toMatch(/^node:24-[a-z]+-slim$/);
  });

  it('builds in an earlier stage and ships production dependencies only', () => {
    const build = stages.find((s) => s.name === 'build')!;
    expect(instructions(build, 'RUN').map((i) => i.args)).toEqual(expect.arrayContaining(['npm run build']));
    const runs = instructions(runtime, 'RUN').map((i) => i.args);
    expect(runs.filter((r) => /\bnpm (ci|install|i)\b/.test(r))).toEqual([
      'npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force',
    ]);
    expect(instructions(runtime, 'COPY').map((i) => i.args)).toContain('--from=build /src/dist ./dist');
  });

  it('never ADDs anything from the network', () => {
    for (const stage of stages) {
      for (const add of instructions(stage, 'ADD')) expect(add.args).not.toMatch(/(https?|git|ftp):\/\/|git@/);
    }
  });

  it('runs as a non-root user with a numeric id', () => {
    const users = instructions(runtime, 'USER').map((i) => i.args);
    expect(users.length).toBeGreaterThan(0);
    const last = users.at(-1)!;
    expect(last).toMatch(/^\d+(:\d+)?$/);
    expect(last.split(':').map(Number).every((id) => id !== 0)).toBe(true);
    // Nothing runs as root after the switch.
    const index = runtime.instructions.findIndex((i) => i.keyword === 'USER' && i.args === last);
    expect(runtime.instructions.slice(index).filter((i) => i.keyword === 'RUN')).toEqual([]);
  });

  it('listens on all interfaces on the agent default port, stops on SIGTERM, keeps its state in a volume', () => {
    const env = envOf(runtime);
    expect(env.QB_AGENT_HTTP_HOST).toBe('0.0.0.0');
    expect(env.NODE_ENV).toBe('production');
    expect(one(runtime, 'EXPOSE')).toBe(String(SCHEMA.http.port.default));
    expect(one(runtime, 'STOPSIGNAL')).toBe('SIGTERM');
    expect(execForm(one(runtime, 'VOLUME'))).toEqual([env.QB_AGENT_STATE_DIR]);
    expect(env.QB_AGENT_STATE_DIR).toBe('/var/lib/qb-agent');
  });

  it('carries OCI labels in step with package.json', () => {
    const labels = Object.assign({}, ...instructions(runtime, 'LABEL').map((i) => keyValues(i.args))) as Record<string, string>;
    const args = Object.assign({}, ...instructions(runtime, 'ARG').map((i) => keyValues(i.args))) as Record<string, string>;
    expect(labels['org.opencontainers.image.title']).toBe('qb-agent');
    expect(labels['org.opencontainers.image.licenses']).toBe(pkg.license);
    expect(labels['org.opencontainers.image.version']).toBe('${VERSION}');
    expect(args.VERSION).toBe(pkg.version);
    expect(labels['org.opencontainers.image.revision']).toBe('${REVISION}');
    expect(labels['org.opencontainers.image.base.name']).toBe(`docker.io/library/${runtime.image}`);
  });

  it('starts the CLI that the build produces', () => {
    const workdir = instructions(runtime, 'WORKDIR').at(-1)!.args;
    expect(execForm(one(runtime, 'ENTRYPOINT'))).toEqual(['node', `${workdir}/dist/cli.js`]);
    expect(execForm(one(runtime, 'CMD'))).toEqual(['run']);
    expect(existsSync(join(ROOT, 'dist', 'cli.js'))).toBe(true);
  });

  it('copies only files that exist and that .dockerignore lets into the context', () => {
    const sources = stages.flatMap((s) =>
      instructions(s, 'COPY')
        .filter((i) => !i.args.startsWith('--from='))
        .flatMap((i) => i.args.split(' ').slice(0, -1)),
    );
    expect(sources.length).toBeGreaterThan(4);
    for (const source of sources) {
      expect(existsSync(join(ROOT, source)), source).toBe(true);
      expect(isIgnored(source, ignore), source).toBe(false);
      expect(isIgnored(`${source}/x`.replace(/\.json\/x$/, '.json'), ignore), source).toBe(false);
    }
  });

  it('keeps node_modules, build output, caches, git and env files out of the build context', () => {
    for (const path of ['node_modules/fastify/package.json', 'dist/cli.js', '.cache/tools/x', '.git/config', '.env', 'test/e2e/x.test.ts']) {
      expect(isIgnored(path, ignore), path).toBe(true);
    }
  });

  it('needs no dev dependency at run time: every package the CLI loads is a production dependency', () => {
    // Walk the module graph from the image entry point, as Node loads it.
    const builtins = new Set(builtinModules);
    const imported = new Map<string, string>();
    const seen = new Set<string>();
    const queue = [join(ROOT, 'dist', 'cli.js')];
    while (queue.length > 0) {
      const file = queue.pop()!;
      if (seen.has(file)) continue;
      seen.add(file);
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/\b(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g)) {
        const spec = m[1]!;
        if (spec.startsWith('.')) {
          queue.push(join(dirname(file), spec));
          continue;
        }
        if (spec.startsWith('node:') || builtins.has(spec)) continue;
        const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!;
        imported.set(name, relative(ROOT, file));
      }
    }
    expect(seen.size).toBeGreaterThan(20);
    expect([...imported.keys()]).toEqual(expect.arrayContaining(['fastify', 'pino', 'convict', '@opentelemetry/sdk-metrics']));
    const missing = [...imported].filter(([name]) => !(name in pkg.dependencies)).map(([name, file]) => `${name} (${file})`);
    expect(missing).toEqual([]);
  });
});

describe('the image environment, run with this checkout', () => {
  const imageEnv = envOf(runtime);

  it('refuses to start on 0.0.0.0 without tokens, naming the two ways out', async () => {
    const r = await runCli(['check-config'], imageEnv);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      'ingest.tokens: empty while http.host "0.0.0.0" (from env QB_AGENT_HTTP_HOST) is not a loopback address; set ingest.tokens, or ingest.allowAnonymous=true to accept unauthenticated events',
    );
  });

  it('accepts the image environment with a token, or with anonymous ingest allowed explicitly', async () => {
    expect((await runCli(['check-config'], { ...imageEnv, QB_AGENT_INGEST_TOKENS: 't' })).code).toBe(0);
    expect((await runCli(['check-config'], { ...imageEnv, QB_AGENT_INGEST_ALLOW_ANONYMOUS: 'true' })).code).toBe(0);
  });
});

describe('the HEALTHCHECK command, run for real', () => {
  const healthcheck = one(runtime, 'HEALTHCHECK');
  const command = execForm(healthcheck.replace(/^(--\S+\s+)*CMD\s+/, ''))!;
  let agent: AgentProcess;

  beforeAll(async () => {
    agent = await spawnAgent({ env: { QB_AGENT_HOST_METRICS: 'false' } });
  });
  afterAll(async () => {
    await agent?.stop();
  });

  function runHealthcheck(port: string) {
    const [program, ...args] = command;
    expect(program).toBe('node');
    return spawnSync(process.execPath, args, { env: { PATH: process.env.PATH ?? '', QB_AGENT_HTTP_PORT: port }, timeout: 10_000 });
  }

  it('needs no curl or wget and has a timeout below its own', () => {
    expect(healthcheck).toMatch(/^--interval=\d+s --timeout=5s --start-period=\d+s --retries=\d+ CMD \[/);
    expect(command.slice(0, 2)).toEqual(['node', '-e']);
    expect(command.join(' ')).toContain('/healthz');
    expect(command.join(' ')).toContain('timeout: 4000');
  });

  it('exits 0 against a running agent on QB_AGENT_HTTP_PORT', () => {
    const r = runHealthcheck(new URL(agent.url).port);
    expect(r.status).toBe(0);
  });

  it('exits 1 when nothing answers', async () => {
    const r = runHealthcheck(String(await freePort()));
    expect(r.status).toBe(1);
  });

  it('asks over https when TLS is configured by environment', async () => {
    const { execFileSync } = await import('node:child_process');
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = mkdtempSync(join(tmpdir(), 'qb-hc-tls-'));
    const cert = join(dir, 'c.crt');
    const key = join(dir, 'c.key');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=qb'], { stdio: 'pipe' });
    const tlsAgent = await spawnAgent({ env: { QB_AGENT_HOST_METRICS: 'false', QB_AGENT_HTTP_TLS_CERT_FILE: cert, QB_AGENT_HTTP_TLS_KEY_FILE: key } });
    try {
      const port = new URL(tlsAgent.url).port;
      const [, ...args] = command;
      const withTls = spawnSync(process.execPath, args, { env: { PATH: process.env.PATH ?? '', QB_AGENT_HTTP_PORT: port, QB_AGENT_HTTP_TLS_CERT_FILE: cert }, timeout: 10_000 });
      expect(withTls.status).toBe(0);
      // Plain http against a TLS listener fails: the scheme really follows the environment.
      expect(runHealthcheck(port).status).toBe(1);
    } finally {
      await tlsAgent.stop();
    }
  });
});

/**
 * The runtime stage, reproduced without an engine: its COPY instructions into
 * a temporary directory (dist/ from this checkout's build), its own `npm ci`
 * command (offline when npm's cache has everything), then the agent started
 * from there with the image's ENV and a demo run against it. What the image
 * runs, minus the base image.
 */
describe('the runtime stage, reproduced in a directory', () => {
  let dir: string;
  let agent: ReturnType<typeof spawn> | undefined;
  let url: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'qb-runtime-'));
    for (const copy of instructions(runtime, 'COPY')) {
      const parts = copy.args.split(' ');
      const from = parts[0]!.startsWith('--from=') ? parts.shift()! : undefined;
      const target = parts.pop()!;
      for (const source of parts) {
        const path = from ? join(ROOT, source.replace(/^\/src\//, '')) : join(ROOT, source);
        const dest = target.endsWith('/') ? join(dir, target, source.split('/').at(-1)!) : join(dir, target);
        cpSync(path, dest, { recursive: true });
      }
    }
    const npmCi = instructions(runtime, 'RUN').map((i) => i.args).find((r) => r.startsWith('npm ci'))!.split(' && ')[0]!;
    const npm = spawnSync('npm', [...npmCi.split(' ').slice(1), '--prefer-offline'], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
    expect(npm.status, npm.stderr).toBe(0);

    const env = { PATH: process.env.PATH ?? '', ...envOf(runtime), QB_AGENT_STATE_DIR: join(dir, 'state'), QB_AGENT_INGEST_TOKENS: 'rt', QB_AGENT_HTTP_PORT: '0', QB_AGENT_HOST_METRICS: 'false' };
    const child = spawn(process.execPath, [join(dir, 'dist', 'cli.js')], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    agent = child;
    url = await new Promise<string>((resolve, reject) => {
      let out = '';
      let err = '';
      const timer = setTimeout(() => reject(new Error(`not started: ${out} ${err}`)), 20_000);
      child.stderr!.setEncoding('utf8').on('data', (c: string) => (err += c));
      child.stdout!.setEncoding('utf8').on('data', (c: string) => {
        out += c;
        const started = out.split('\n').map(parseLogLine).find((l) => l.msg === 'qb-agent started');
        if (started) {
          clearTimeout(timer);
          resolve(String(started.address).replace('0.0.0.0', '127.0.0.1'));
        }
      });
      child.on('exit', (code) => reject(new Error(`exited ${code}: ${out} ${err}`)));
    });
  }, 180_000);

  afterAll(async () => {
    if (agent && agent.exitCode === null) {
      const exited = new Promise((r) => agent!.on('exit', r));
      agent.kill('SIGTERM');
      await exited;
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('installs no dev dependency', () => {
    expect(existsSync(join(dir, 'node_modules', 'fastify'))).toBe(true);
    expect(existsSync(join(dir, 'node_modules', 'vitest'))).toBe(false);
    expect(existsSync(join(dir, 'node_modules', 'typescript'))).toBe(false);
  });

  it('starts on 0.0.0.0 with a token and answers /healthz', async () => {
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(await (await fetch(`${url}/healthz`)).json()).toEqual({ status: 'ok' });
  });

  it('runs the demo from the production install against it', () => {
    const demo = spawnSync(process.execPath, [join(dir, 'dist', 'cli.js'), 'demo', '--target', url, '--rate', '50', '--duration', '1', '--token', 'rt'], {
      cwd: dir,
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(demo.status, demo.stderr).toBe(0);
    const summary = JSON.parse(demo.stdout) as { accepted: number; complete: boolean };
    expect(summary).toMatchObject({ accepted: 50, complete: true });
  });
});

/** A JSON log line, or {} for anything else (a partial line, a warning). */
function parseLogLine(line: string): { msg?: string; address?: string } {
  try {
    return JSON.parse(line) as { msg?: string; address?: string };
  } catch {
    return {};
  }
}
