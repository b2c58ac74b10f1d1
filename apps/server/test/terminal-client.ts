/** A terminal viewer over a real WebSocket (tRPC `terminals.output`), and what it has seen. */
import type { TerminalOutputMessage } from '@flightdeck/shared-types';
import { trpcClient } from './helpers.js';

export type Client = ReturnType<typeof trpcClient>['client'];

export interface Watched {
  messages: TerminalOutputMessage[];
  /** The screen's text since the last full `hello` (a resumed hello keeps it). */
  text(): string;
  lastId(): string | undefined;
  completed(): boolean;
  unsubscribe(): void;
}

export function watch(
  client: Client,
  input: { id: string; viewerId?: string; lastEventId?: string },
): Watched {
  const messages: TerminalOutputMessage[] = [];
  let text = '';
  let lastId: string | undefined;
  let done = false;
  const sub = client.terminals.output.subscribe(input, {
    onData: (d) => {
      messages.push(d.data);
      lastId = d.id;
      if (d.data.type === 'hello' && !d.data.resumed) text = '';
      if (d.data.type === 'data') text += d.data.data;
    },
    onComplete: () => {
      done = true;
    },
    onError: () => {
      done = true;
    },
  });
  return {
    messages,
    text: () => text,
    lastId: () => lastId,
    completed: () => done,
    unsubscribe: () => sub.unsubscribe(),
  };
}

/** A client of `url` whose socket is closed by `cleanups`. */
export function clientFor(url: string, cleanups: Array<() => unknown>): Client {
  const { client, close } = trpcClient(url);
  cleanups.push(close);
  return client;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
