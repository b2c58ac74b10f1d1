/** What the `flightdeck` CLI asks its user: a masked password from a TTY (or stdin), answers line by line. */
import { createInterface } from 'node:readline';

export interface CliIo {
  stdin: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (mode: boolean) => unknown };
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
}

/** A mistake in how the command was used: printed with the usage, exit code 2. */
export class UsageError extends Error {}

export async function readAllStdin(stdin: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stdin)
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

/** One line from a TTY with echo masked by `*`. */
function readSecret(io: CliIo, prompt: string): Promise<string> {
  return new Promise((resolveSecret, reject) => {
    const { stdin, stdout } = io;
    stdout.write(prompt);
    let value = '';
    stdin.setRawMode?.(true);
    stdin.resume();
    const onData = (data: Buffer | string) => {
      for (const ch of data.toString('utf8')) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') {
          cleanup();
          stdout.write('\n');
          resolveSecret(value);
          return;
        }
        if (ch === '\u0003') {
          cleanup();
          stdout.write('\n');
          reject(new UsageError('cancelled'));
          return;
        }
        if (ch === '\u007f' || ch === '\b') {
          if (value.length > 0) {
            value = value.slice(0, -1);
            stdout.write('\b \b');
          }
        } else {
          value += ch;
          stdout.write('*');
        }
      }
    };
    const cleanup = () => {
      stdin.removeListener('data', onData);
      stdin.setRawMode?.(false);
      stdin.pause();
    };
    stdin.on('data', onData);
  });
}

export function lineReader(io: CliIo) {
  const rl = createInterface({ input: io.stdin, output: io.stdout, terminal: false });
  const lines: string[] = [];
  const waiters: Array<(line: string | null) => void> = [];
  let closed = false;
  rl.on('line', (line) => {
    const w = waiters.shift();
    if (w) w(line);
    else lines.push(line);
  });
  rl.on('close', () => {
    closed = true;
    for (const w of waiters.splice(0)) w(null);
  });
  return {
    async ask(question: string, fallback: string): Promise<string> {
      io.stdout.write(`${question} [${fallback}]: `);
      const line =
        lines.shift() ?? (closed ? null : await new Promise<string | null>((r) => waiters.push(r)));
      const answer = (line ?? '').trim();
      return answer === '' ? fallback : answer;
    },
    close: () => rl.close(),
  };
}

export async function askPassword(io: CliIo, confirm: boolean): Promise<string> {
  if (!io.stdin.isTTY) {
    const text = await readAllStdin(io.stdin);
    return text.replace(/\r?\n$/, '');
  }
  const first = await readSecret(io, 'Password: ');
  if (confirm) {
    const second = await readSecret(io, 'Repeat password: ');
    if (first !== second) throw new UsageError('passwords do not match');
  }
  return first;
}
