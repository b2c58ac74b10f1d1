import type { z } from 'zod';

/** Thrown when a public function of this package gets an invalid input. `field` names the offending field. */
export class DbInputError extends Error {
  override readonly name = 'DbInputError';
  constructor(
    message: string,
    readonly field: string | null = null,
  ) {
    super(message);
  }
}

/** Parses `input` with `schema` or throws a `DbInputError` naming the first bad field. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const field = issue && issue.path.length > 0 ? issue.path.map(String).join('.') : null;
  const msg = issue ? issue.message : 'invalid input';
  throw new DbInputError(`${what}: ${field ? `${field}: ` : ''}${msg}`, field);
}

/**
 * The message prefix of a history import step refused (its session is live): the plan wrote nothing. A message, not a class: errors cross from the writer thread as messages.
 */
export const IMPORT_CONFLICT = 'import conflict';

export function isImportConflict(err: unknown): boolean {
  return err instanceof Error && err.message.startsWith(IMPORT_CONFLICT);
}
