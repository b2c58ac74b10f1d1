/**
 * The core's settings (`configure` input) from config.json, and the name of this machine (`localHost`: sessions of
 * other hosts get no local process check or kill): applied at start and whenever the file changes.
 */
import { hostname } from 'node:os';
import type { CoreConfig } from '@flightdeck/core';
import type { ConfigFile, ConfigStore } from './config.js';
import type { Logger, Runtime } from './runtime.js';

/** The name this machine's hooks send as `meta.host` (the spool reader's `os.hostname()`). */
export const LOCAL_HOST = hostname();

export const coreSettings = (f: ConfigFile, localHost = LOCAL_HOST): CoreConfig => ({
  autoIdleMs: f.autoIdleMs,
  holdSeconds: f.approvals.holdSeconds,
  ...(f.pricing ? { pricing: f.pricing } : {}),
  localHost,
});

export function configureCoreFromFile(config: ConfigStore, runtime: Runtime, log: Logger): void {
  const apply = (file: ConfigFile) =>
    runtime
      .dispatch({ type: 'configure', config: coreSettings(file) })
      .then((r) => {
        if (r.rejected.length > 0) log.warn({ rejected: r.rejected }, 'core settings refused');
      })
      .catch((err) => log.warn({ err }, 'core settings not applied'));
  void apply(config.get());
  config.subscribe((next, previous) => {
    if (JSON.stringify(coreSettings(next)) !== JSON.stringify(coreSettings(previous))) void apply(next);
  });
}
