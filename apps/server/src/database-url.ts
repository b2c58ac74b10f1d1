/** Team mode's database: a PostgreSQL URL from config.json (`database`) or `flightdeck start --database`. */
import { z } from 'zod';

export const databaseUrlSchema = z
  .string()
  .max(2048)
  .regex(/^postgres(ql)?:\/\/./, 'must be a postgres:// or postgresql:// URL');

/** `--database` > config.json > null (SQLite). A flag that is not a PostgreSQL URL: the message, thrown by `fail`. */
export function resolveDatabaseUrl(
  fromFile: string | undefined,
  flag: string | undefined,
  fail: (message: string) => Error,
): string | null {
  if (flag === undefined) return fromFile ?? null;
  const checked = databaseUrlSchema.safeParse(flag);
  if (!checked.success) throw fail(`--database ${checked.error.issues[0]?.message ?? 'is invalid'}`);
  return checked.data;
}
