// biome-ignore-all lint/correctness/noNodejsModules: tests run in Node; only packages/core/src must stay pure
// biome-ignore-all lint/style/noRestrictedImports: tests run in Node; only packages/core/src must stay pure
import { readdirSync, readFileSync } from 'node:fs';
import type { AgentCli, HookMeta, Session } from '@flightdeck/shared-types';
import {
  type CoreInput,
  type CoreState,
  type Effect,
  getOwn,
  initialState,
  type ProcessIdentity,
  reduce,
  valuesOf,
} from '../src/index.js';

const fixtures = new URL('../../../fixtures/', import.meta.url);

export function readJsonl(rel: string): Record<string, unknown>[] {
  return readFileSync(new URL(rel, fixtures), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** The entries of a fixture directory, sorted. */
export function listFixtureDir(dir: string): string[] {
  return readdirSync(new URL(`${dir}/`, fixtures)).sort();
}

/** The `.jsonl` files of a fixture directory. */
export function listJsonl(dir: string): string[] {
  return readdirSync(new URL(`${dir}/`, fixtures))
    .filter((f) => f.endsWith('.jsonl'))
    .sort();
}

export interface Sample {
  cli: string;
  event: string;
  payload: Record<string, unknown>;
}

export function samples(): Sample[] {
  return readJsonl('hook-samples.jsonl') as unknown as Sample[];
}

/** A dashboard action as the server passes it in. */
export const user = (action: Record<string, unknown>): CoreInput => ({ type: 'user', action }) as CoreInput;

/** The identity the shell reports for a Claude Code process with pid 321. */
export const IDENTITY: ProcessIdentity = {
  pid: 321,
  boot: 'b00t',
  startTicks: 4242,
  uid: 1000,
  cmdline: ['claude'],
  exe: '/usr/bin/node',
};

export function hook(cli: AgentCli, payload: Record<string, unknown>, meta: HookMeta = {}): CoreInput {
  return { type: 'hook', envelope: { cli, payload, meta } };
}

/**
 * A tiny imperative shell for tests: keeps the armed timers like the server would, fires the due ones (in
 * deadline order) whenever the clock advances, and records every effect.
 */
export class Harness {
  state: CoreState = initialState();
  now: number;
  timers = new Map<string, { deadline: number; input: CoreInput }>();
  effects: Effect[] = [];
  last: Effect[] = [];
  /** Answer for check-children effects (null: leave unanswered). */
  hasChildren: boolean | null = null;

  constructor(start = 1_700_000_000_000) {
    this.now = start;
  }

  send(input: CoreInput): Effect[] {
    const r = reduce(this.state, input, this.now);
    this.state = r.state;
    this.last = r.effects;
    this.effects.push(...r.effects);
    const follow: CoreInput[] = [];
    for (const e of r.effects) {
      if (e.type === 'arm-timer') this.timers.set(e.key, { deadline: e.deadline, input: e.input });
      if (e.type === 'cancel-timer') this.timers.delete(e.key);
      if (e.type === 'check-children' && this.hasChildren !== null) {
        follow.push({
          type: 'children-checked',
          sessionId: e.sessionId,
          key: e.key,
          hasChildren: this.hasChildren,
        });
      }
    }
    const own = r.effects;
    for (const f of follow) this.send(f);
    return own;
  }

  /** Moves the clock to `t`, firing due timers in order. */
  advanceTo(t: number): void {
    for (;;) {
      let next: [string, { deadline: number; input: CoreInput }] | undefined;
      for (const entry of this.timers) if (!next || entry[1].deadline < next[1].deadline) next = entry;
      if (!next || next[1].deadline > t) break;
      this.timers.delete(next[0]);
      this.now = Math.max(this.now, next[1].deadline);
      this.send(next[1].input);
    }
    this.now = t;
  }

  advance(ms: number): void {
    this.advanceTo(this.now + ms);
  }

  session(id: string): Session {
    const s = getOwn(this.state.sessions, id);
    if (!s) throw new Error(`no session ${id}`);
    return s;
  }

  get sessionList(): Session[] {
    return valuesOf(this.state.sessions);
  }
}
