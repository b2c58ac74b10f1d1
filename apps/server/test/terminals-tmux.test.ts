/**
 * A tmux pane an agent-like process runs in, on a private tmux socket, attached from Flightdeck (a view of the same
 * pane): keys typed through Flightdeck reach the pane, and the pane's output reaches Flightdeck.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestServer, tmpDir, waitFor } from './helpers.js';
import { clientFor, isAlive, watch } from './terminal-client.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const f of cleanups.reverse()) await f();
  cleanups.length = 0;
});

/** A tmux server on its own socket (`-L name` or `-S path`) running `script` in session `agent`. */
function tmuxWith(socket: string[], script: string) {
  const tmux = (...args: string[]) =>
    execFileSync('tmux', [...socket, '-f', '/dev/null', ...args], {
      encoding: 'utf8',
      env: { ...process.env, TMUX: '' },
    });
  tmux('new-session', '-d', '-s', 'agent', '-x', '80', '-y', '24', `sh ${script}`);
  cleanups.push(() => {
    try {
      tmux('kill-server');
    } catch {
      // already gone
    }
  });
  return { tmux, pane: () => tmux('capture-pane', '-p', '-t', 'agent') };
}

describe('terminals: tmux', () => {
  it.each([
    ['a socket name (-L)', 'name'],
    ['a socket path (-S)', 'path'],
  ])(
    'attaches to a pane on %s: input reaches the pane, the pane reaches Flightdeck',
    async (_label, form) => {
      const dir = tmpDir();
      cleanups.push(dir.remove);
      const script = join(dir.dir, 'agent.sh');
      writeFileSync(script, 'echo agent ready\nwhile IFS= read -r line; do echo "agent got: $line"; done\n');
      const name = `fd-test-${randomBytes(4).toString('hex')}`;
      const socketPath = join(dir.dir, 'tmux.sock');
      const { tmux, pane } = tmuxWith(form === 'name' ? ['-L', name] : ['-S', socketPath], script);
      await waitFor(() => pane().includes('agent ready'));

      const server = await startTestServer({ transcripts: false });
      cleanups.push(() => server.close());
      const client = clientFor(server.url as string, cleanups);
      const tmuxTarget = `${form === 'name' ? name : socketPath}#agent`;
      const t = await client.terminals.create.mutate({ kind: 'tmux', tmuxTarget, cols: 80, rows: 24 });
      expect(t).toMatchObject({ kind: 'tmux', tmuxTarget, command: null, exit: null });
      const v = watch(client, { id: t.id, viewerId: 'me' });
      // the attached client draws the pane as it is: what the agent printed before is there
      await waitFor(() => v.text().includes('agent ready'));

      await client.terminals.input.mutate({ id: t.id, viewerId: 'me', data: 'hello-from-flightdeck\r' });
      await waitFor(() => pane().includes('agent got: hello-from-flightdeck'));
      await waitFor(() => v.text().includes('agent got: hello-from-flightdeck'));

      tmux('send-keys', '-t', 'agent', 'typed-in-the-pane', 'Enter');
      await waitFor(() => v.text().includes('agent got: typed-in-the-pane'));

      // closing the view leaves the pane and its agent running
      const pid = t.pid as number;
      await client.terminals.close.mutate({ id: t.id });
      expect(isAlive(pid)).toBe(false);
      tmux('has-session', '-t', 'agent');
      expect(pane()).toContain('agent got: typed-in-the-pane');
    },
  );
});
