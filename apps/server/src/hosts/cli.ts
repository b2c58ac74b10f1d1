/**
 * `flightdeck hosts add <name> | list | revoke <name> [--data-dir DIR] [--database URL]`: per-host tokens. The
 * database is opened here whether a server runs or not (SQLite's locks let both write; a running server reads the
 * hosts table every second, so it refuses a revoked token within a second, as with `hooks token --rotate`).
 */
import { mkdirSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DbInputError, listHosts } from '@flightdeck/db';
import { hostNameSchema } from '@flightdeck/shared-types';
import { type CliIo, UsageError } from '../cli-prompt.js';
import { loadConfig } from '../config.js';
import { createHostTokens } from './tokens.js';

const USAGE = 'usage: flightdeck hosts add <name> | list | revoke <name> [--data-dir DIR] [--database URL]';

function when(ms: number | null): string {
  return ms === null ? 'never' : new Date(ms).toISOString();
}

export async function cmdHosts(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { 'data-dir': { type: 'string' }, database: { type: 'string' } },
    allowPositionals: true,
    strict: true,
  });
  const [sub, name, ...extra] = positionals;
  if (extra.length > 0 || !['add', 'list', 'revoke'].includes(sub ?? '')) throw new UsageError(USAGE);
  if (sub !== 'list') {
    const checked = hostNameSchema.safeParse(name);
    if (!checked.success)
      throw new UsageError(`<name>: ${checked.error.issues[0]?.message ?? 'invalid'}\n${USAGE}`);
  }
  const rc = loadConfig({ dataDir: values['data-dir'], database: values.database }, io.env);
  const { openPostgres, openSqlite } = await import('@flightdeck/db');
  if (!rc.database) mkdirSync(rc.dataDir, { recursive: true, mode: 0o700 });
  const adapter = rc.database
    ? await openPostgres({ url: rc.database })
    : await openSqlite({ file: rc.dbPath });
  try {
    const tokens = createHostTokens(adapter.db, () => {});
    if (sub === 'list') {
      const hosts = await listHosts(adapter.db);
      if (hosts.length === 0) io.stdout.write('No hosts. Make one with: flightdeck hosts add <name>\n');
      for (const h of hosts) {
        io.stdout.write(
          `${h.name}\t${h.revokedAt === null ? 'active' : `revoked ${when(h.revokedAt)}`}\tlast seen ${when(h.lastSeenAt)}\n`,
        );
      }
      return 0;
    }
    const host = name as string;
    if (sub === 'revoke') {
      if (!(await tokens.revoke(host))) {
        io.stderr.write(`flightdeck: no host "${host}" with a token to revoke\n`);
        return 1;
      }
      io.stdout.write(`Revoked the token of host "${host}": a running server refuses it within a second.\n`);
      return 0;
    }
    try {
      const { token } = await tokens.create(host);
      io.stdout.write(`${token}\n`);
      io.stderr.write(
        `Token of host "${host}" (shown once, stored hashed). On that machine: flightdeck forward --to <this server's URL> --token <token> (and, for Claude Code's cost over OpenTelemetry: flightdeck hooks install --cli claude --telemetry --to <this server's URL> --token <token>)\n`,
      );
      return 0;
    } catch (err) {
      if (err instanceof DbInputError) {
        io.stderr.write(`flightdeck: ${err.message.replace(/^createHostToken: /, '')}\n`);
        return 1;
      }
      throw err;
    }
  } finally {
    await adapter.close();
  }
}
