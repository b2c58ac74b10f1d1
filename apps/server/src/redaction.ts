/**
 * Secret redaction at ingest (the rules and the engine are the core's `redact.ts`). The runtime runs every input
 * through `input()` when it is submitted, before the store serializes its raw event and before the core reduces it,
 * so the event log, the session rows, the search index, the live broadcast and every export hold the redacted
 * text. What is redacted: a hook envelope's payload, a transcript input's entries, a user action's title or label;
 * notes are redacted by their procedures (`text()`). Paths, ids and the envelope's meta are left alone (the hold
 * FIFO, the transcript cursor and the matcher need them as they are).
 *
 * The rules come from `redaction` in config.json, read at every input (compiled again only when it changed).
 */
import { compileRedactor, type RedactionConfig, type Redactor } from '@flightdeck/core';
import type { HookEnvelope } from '@flightdeck/shared-types';
import type { CoreInput } from './ports.js';

export interface InputRedaction {
  envelope(envelope: HookEnvelope): HookEnvelope;
  input(input: CoreInput): CoreInput;
  text(s: string): string;
  /** Every string in `v` (a page read from a file the server did not ingest, e.g. a transcript page). */
  value<T>(v: T): T;
}

/** Redaction with the configuration `config()` returns (one redactor per configuration object). */
export function createInputRedaction(config: () => RedactionConfig): InputRedaction {
  let source: RedactionConfig | null = null;
  let redactor: Redactor | null = null;
  const current = (): Redactor => {
    const c = config();
    if (c !== source || redactor === null) {
      source = c;
      redactor = compileRedactor(c).redactor;
    }
    return redactor;
  };
  const envelope = (e: HookEnvelope): HookEnvelope => {
    const payload = current().value(e.payload);
    return payload === e.payload ? e : { ...e, payload };
  };
  return {
    envelope,
    text: (s) => current().text(s),
    value: (v) => current().value(v),
    input(input) {
      switch (input.type) {
        case 'hook': {
          const e = envelope(input.envelope);
          return e === input.envelope ? input : { ...input, envelope: e };
        }
        case 'transcript': {
          const entries = current().value(input.entries);
          return entries === input.entries ? input : { ...input, entries };
        }
        case 'user': {
          const a = input.action;
          if (a.type === 'set-title' && typeof a.title === 'string')
            return { ...input, action: { ...a, title: current().text(a.title) } };
          if (a.type === 'set-label' && typeof a.label === 'string')
            return { ...input, action: { ...a, label: current().text(a.label) } };
          return input;
        }
        default:
          return input;
      }
    },
  };
}
