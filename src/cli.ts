import { main } from './cli/main.ts';

// Entry point: the one process.exit. Anything thrown past main is a bug; report it plainly.
main(process.argv.slice(2), process.env).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`qb-agent: fatal: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
