/** One shell command of a documented procedure, with the comment that heads its group. */
export interface DocumentedCommand {
  readonly section: string;
  readonly command: string;
}

/** The commands of the first ```sh block under the heading that starts with `heading`. */
export function documentedCommands(markdown: string, heading: string): DocumentedCommand[] {
  const lines = markdown.split('\n');
  const at = lines.findIndex((l) => l.startsWith(heading));
  if (at < 0) throw new Error(`no heading "${heading}"`);
  const open = lines.findIndex((l, i) => i > at && l.trim() === '```sh');
  const close = lines.findIndex((l, i) => i > open && l.trim() === '```');
  if (open < 0 || close < 0) throw new Error(`no sh block under "${heading}"`);
  const out: DocumentedCommand[] = [];
  let section = '';
  for (const raw of lines.slice(open + 1, close)) {
    const line = raw.trim();
    if (line === '') continue;
    if (line.startsWith('#')) section = line.replace(/^#\s*/, '');
    else out.push({ section, command: line });
  }
  return out;
}

/**
 * A documented command as root runs it: `sudo` dropped (the commands run as
 * root already), the trailing comment left to the shell.
 */
export function asRoot(command: string): string {
  return command.replace(/\bsudo\s+/g, '');
}
