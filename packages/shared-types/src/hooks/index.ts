export * from './claude.js';
export * from './codex.js';
export { formatZodError, type HookParseResult } from './common.js';
export * from './gemini.js';
export * from './parse.js';
