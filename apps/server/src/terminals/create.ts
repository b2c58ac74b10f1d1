/** The server's terminal manager: limits from the config, agents announced to the core, SSH hosts, warnings logged. */
import type { ConfigStore } from '../config.js';
import type { Logger, Runtime } from '../runtime.js';
import { SshService, type SshServiceOptions } from '../ssh/service.js';
import { TerminalManager } from './manager.js';

export function createTerminalManager(deps: {
  config: ConfigStore;
  runtime: Runtime;
  log: Logger;
  dataDir: string | null;
  ssh?: Omit<SshServiceOptions, 'config' | 'dataDir'> | undefined;
}): TerminalManager {
  const { config, runtime, log } = deps;
  return new TerminalManager({
    max: () => config.get().terminals.max,
    bufferBytes: () => config.get().terminals.bufferBytes,
    onAgentTerminal: async (t) => {
      const r = await runtime
        .dispatch({ type: 'terminal-created', ...t })
        .catch((err) => log.warn({ err }, 'terminal-created not dispatched'));
      if (r && r.rejected.length > 0) log.warn({ rejected: r.rejected }, 'terminal-created refused');
    },
    sessionOf: (terminalId) =>
      runtime.listSessions().find((s) => s.terminalId === terminalId)?.sessionId ?? null,
    ssh: new SshService({ config, dataDir: deps.dataDir, ...deps.ssh }),
    warn: (fields, message) => log.warn(fields, message),
  });
}
