import { Agent } from '../agent.ts';
import { helpText } from './help.ts';
import { ConfigError, loadConfig, redactConfig, type LoadedConfig } from '../config/load.ts';
import { demoCommand, processStopRequests } from '../demo/cli.ts';
import { createLogger } from '../log.ts';
import { readPackageVersion } from '../version.ts';

const EXIT_CONFIG = 2;

/**
 * The only place that exits the process: parse argv, load config, run the
 * command. Config problems exit 2 with every problem on its own line, never a
 * stack trace. Once running, the agent stops on SIGTERM/SIGINT (exit 0 after
 * the final push); a second signal exits at once.
 */
export async function main(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  const version = readPackageVersion();
  const [first, ...rest] = argv;
  if (first === '--help' || first === '-h' || first === 'help') {
    process.stdout.write(helpText(version));
    return 0;
  }
  if (first === '--version' || first === '-v') {
    process.stdout.write(`${version}\n`);
    return 0;
  }
  const command = first === undefined || first.startsWith('-') ? 'run' : first;
  const flags = command === 'run' && first !== 'run' ? argv : rest;
  if (command === 'demo') {
    return demoCommand(rest, env, { stdout: process.stdout, stderr: process.stderr, onStopRequest: processStopRequests });
  }
  if (command !== 'run' && command !== 'check-config') {
    process.stderr.write(`qb-agent: unknown command "${command}" (see qb-agent --help)\n`);
    return EXIT_CONFIG;
  }
  if (flags.includes('--help') || flags.includes('-h')) {
    process.stdout.write(helpText(version));
    return 0;
  }

  let config: LoadedConfig;
  try {
    config = loadConfig({ argv: flags, env });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`qb-agent: invalid configuration:\n${err.problems.map((p) => `  ${p}`).join('\n')}\n`);
      return EXIT_CONFIG;
    }
    throw err;
  }

  if (command === 'check-config') {
    process.stdout.write(`${JSON.stringify(redactConfig(config.values), null, 2)}\n`);
    process.stderr.write(`qb-agent: configuration is valid${config.file ? ` (file ${config.file})` : ''}\n`);
    return 0;
  }
  return run(config, version);
}

async function run(config: LoadedConfig, version: string): Promise<number> {
  const log = createLogger(config.values.log.level);
  log.info({ version, node: process.versions.node, config: redactConfig(config.values), configFile: config.file }, 'configuration loaded');
  let agent: Agent;
  try {
    agent = new Agent({ config, log, version });
  } catch (err) {
    // e.g. an unreadable TLS certificate: a clear fatal line, not a stack trace on stderr.
    log.fatal({ err }, 'cannot start');
    return 1;
  }

  let stopping = false;
  const stopped = new Promise<number>((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) {
        log.warn({ signal }, 'second signal: exiting at once');
        resolve(1);
        return;
      }
      stopping = true;
      log.info({ signal }, 'signal received');
      agent.shutdown().then(
        () => resolve(0),
        (err: unknown) => {
          log.error({ err }, 'shutdown failed');
          resolve(1);
        },
      );
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
  // SIGHUP re-reads the TLS certificate and key (and must never terminate the agent, the default action).
  process.on('SIGHUP', () => {
    log.info({ signal: 'SIGHUP' }, 'signal received: reloading TLS certificate');
    agent.reloadTls();
  });

  try {
    await agent.start();
  } catch (err) {
    log.fatal({ err }, 'cannot start');
    await agent.shutdown();
    return 1;
  }
  return stopped;
}
