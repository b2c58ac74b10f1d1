/** The core's settings (`configure` input) from config.json: applied at start and whenever the file changes. */
import type { ConfigFile, ConfigStore } from './config.js';
import type { Logger, Runtime } from './runtime.js';

const coreSettings = (f: ConfigFile) => ({
  autoIdleMs: f.autoIdleMs,
  holdSeconds: f.approvals.holdSeconds,
  pricing: f.pricing,
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
