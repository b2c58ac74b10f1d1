/**
 * The `import` namespace as the web app uses it (issue 17): start a history import, read where it is.
 */
import type { ServerOutputs } from './types.js';

/** Where an import is (`import.status`): files, sessions, bytes, rate and time left. */
export type ImportProgress = ServerOutputs['import']['status'];

export interface ImportApi {
  /** Starts importing past sessions (the server refuses while one runs). */
  importStart(req?: { cli?: 'claude' | 'codex' | 'gemini'; from?: string }): Promise<ImportProgress>;
  importStatus(): Promise<ImportProgress>;
}
