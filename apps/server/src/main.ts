/**
 * `flightdeck start`: read config, start, print the URL, handle signals (graceful shutdown §31.2, forced exit
 * after 5 s) and global errors (§31.3).
 */
import type { CliIo } from './cli.js';
import { type ConfigFlags, loadConfig } from './config.js';
import { loggerOptions } from './logger.js';
import { openBrowser } from './open-browser.js';
import { type RunningServer, startServer } from './server.js';

export const FORCE_EXIT_MS = 5000;

export async function runMain(flags: ConfigFlags, io: CliIo): Promise<number> {
  const rc = loadConfig(flags, io.env);
  let server: RunningServer;
  try {
    server = await startServer({
      config: rc,
      logger: loggerOptions(rc.debug, process.stdout),
      delivery: { env: io.env },
    });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EADDRINUSE') {
      io.stderr.write(
        `flightdeck: port ${rc.port} on ${rc.host} is already in use. Stop the other process or pick another port with --port.\n`,
      );
      return 1;
    }
    if (e.code === 'EACCES') {
      io.stderr.write(`flightdeck: not allowed to listen on ${rc.host}:${rc.port} (${e.message}).\n`);
      return 1;
    }
    throw err;
  }
  const log = server.app.log;
  log.info(
    {
      url: server.url,
      dataDir: rc.dataDir,
      configFound: rc.exists,
      passwordRequired: rc.file.passwordHash !== null,
    },
    `Flightdeck listening on ${server.url}`,
  );
  if (!rc.exists)
    log.info('no config.json yet: running with defaults (run `flightdeck setup` to configure hooks)');
  // Machine-readable line for scripts and tests that start the server as a child process.
  io.stdout.write(`FLIGHTDECK_READY ${server.url}\n`);

  let shuttingDown = false;
  const shutdown = (signal: string) => {
    if (shuttingDown) return;
    shuttingDown = true;
    log.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      log.error('shutdown took longer than 5 s; forcing exit');
      process.exit(1);
    }, FORCE_EXIT_MS);
    force.unref();
    server
      .close()
      .then(() => process.exit(0))
      .catch((err) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('uncaughtException', (err) => {
    log.error({ err }, 'uncaught exception');
    if (
      /out of memory|ENOMEM/i.test(String(err?.message)) ||
      (err as NodeJS.ErrnoException).code === 'ENOMEM'
    ) {
      process.exit(1);
    }
  });
  process.on('unhandledRejection', (reason) => {
    log.error({ err: reason }, 'unhandled rejection');
  });

  if (rc.open && server.url) openBrowser(server.url);
  return 0;
}
