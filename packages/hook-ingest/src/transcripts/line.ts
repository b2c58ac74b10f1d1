/**
 * What one transcript line says, for the transcript follower (pure: no IO). A line is `entries` (something hooks
 * do not say: interrupts, API errors, compactions, the assistant's text), `ignored` (a known kind of line that
 * adds nothing to what hooks say) or `skipped` (an unknown kind, or not JSON at all: counted, never thrown).
 */
import type { TranscriptEntry } from '@flightdeck/core';

export type TranscriptLineResult =
  | { verdict: 'entries'; entries: TranscriptEntry[] }
  | { verdict: 'ignored' }
  | { verdict: 'skipped'; reason: string };

/** Parses one transcript line (without its newline). */
export type TranscriptLineParser = (line: string) => TranscriptLineResult;

export const IGNORED: TranscriptLineResult = Object.freeze({ verdict: 'ignored' });

export function skipped(reason: string): TranscriptLineResult {
  return { verdict: 'skipped', reason };
}

export function entries(list: TranscriptEntry[]): TranscriptLineResult {
  return list.length > 0 ? { verdict: 'entries', entries: list } : IGNORED;
}

export type Json = Record<string, unknown>;

export function isObj(x: unknown): x is Json {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** The line as a JSON object, or why not. */
export function parseObject(line: string): Json | string {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return 'not JSON';
  }
  return isObj(value) ? value : 'not a JSON object';
}

/** Unix ms of an ISO timestamp, or null. */
export function timeOf(value: unknown): number | null {
  if (typeof value !== 'string') return null;
  const t = Date.parse(value);
  return Number.isFinite(t) ? t : null;
}

export function str(value: unknown): string | null {
  return typeof value === 'string' && value.length > 0 ? value : null;
}

export function int(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? Math.trunc(value) : null;
}

/** A token count as the API reports it (a non-negative integer up to 1e9), else 0. */
export function tokens(v: unknown): number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v > 0 && v <= 1e9 ? v : 0;
}

/** Ids and model names longer than this are not the API's: the line is left uncounted rather than trusted. */
export const MAX_ID = 200;

/** A line parser from a parser of lines already parsed as JSON objects: blank lines ignored, non-JSON skipped. */
export function lineParser(parseObj: (o: Json) => TranscriptLineResult): TranscriptLineParser {
  return (line) => {
    if (line.trim() === '') return IGNORED;
    const o = parseObject(line);
    return typeof o === 'string' ? skipped(o) : parseObj(o);
  };
}
