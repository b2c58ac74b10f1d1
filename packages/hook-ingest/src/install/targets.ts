import path from 'node:path';
import type { InstallCli } from './density.js';

/** Where each CLI's hook configuration lives, plus Flightdeck's own data directory. */
export interface InstallTargets {
  /** The home directory (`$HOME`, else the fallback): what `${HOME}` means to the hooks. */
  home: string;
  /** Flightdeck data dir (`--data-dir` > `FLIGHTDECK_DATA_DIR` > `$HOME/.flightdeck`). */
  dataDir: string;
  /** `<dataDir>/hooks`: manifests and the installed hook script. */
  hooksDir: string;
  /** `<dataDir>/backups`: one copy of each settings file from before our first change. */
  backupsDir: string;
  /** `<dataDir>/spool`: where hook processes drop events. */
  spoolDir: string;
  /** The config directory of each CLI (its presence means the CLI is in use). */
  configDirs: Record<InstallCli, string>;
  /** The JSON file we edit for each CLI. */
  files: Record<InstallCli, string>;
}

export interface ResolveTargetsOptions {
  env: Readonly<Record<string, string | undefined>>;
  /** Fallback when `HOME` is unset (pass `os.homedir()`). */
  homedir: string;
  /** Explicit `--data-dir`, wins over the environment. */
  dataDir?: string;
  /** Base for relative paths in env vars / dataDir (default: homedir). */
  cwd?: string;
}

const nonEmpty = (v: string | undefined): string | undefined =>
  v !== undefined && v.trim() !== '' ? v : undefined;

/**
 * The only place the installers read environment variables:
 * - Claude Code: `$CLAUDE_CONFIG_DIR/settings.json`, else `$HOME/.claude/settings.json`.
 * - Codex: `$CODEX_HOME/hooks.json`, else `$HOME/.codex/hooks.json`.
 * - Gemini CLI: `$GEMINI_CLI_HOME/.gemini/settings.json`, else `$HOME/.gemini/settings.json`
 *   (GEMINI_CLI_HOME replaces the home directory, Gemini appends `.gemini` itself).
 */
export function resolveInstallTargets(opts: ResolveTargetsOptions): InstallTargets {
  const { env } = opts;
  const home = nonEmpty(env.HOME) ?? opts.homedir;
  const base = opts.cwd ?? home;
  const abs = (p: string): string => path.resolve(base, p);
  const dataDir = abs(
    nonEmpty(opts.dataDir) ?? nonEmpty(env.FLIGHTDECK_DATA_DIR) ?? path.join(home, '.flightdeck'),
  );
  const claudeDir = abs(nonEmpty(env.CLAUDE_CONFIG_DIR) ?? path.join(home, '.claude'));
  const codexDir = abs(nonEmpty(env.CODEX_HOME) ?? path.join(home, '.codex'));
  const geminiDir = path.join(abs(nonEmpty(env.GEMINI_CLI_HOME) ?? home), '.gemini');
  return {
    home,
    dataDir,
    hooksDir: path.join(dataDir, 'hooks'),
    backupsDir: path.join(dataDir, 'backups'),
    spoolDir: path.join(dataDir, 'spool'),
    configDirs: { claude: claudeDir, codex: codexDir, gemini: geminiDir },
    files: {
      claude: path.join(claudeDir, 'settings.json'),
      codex: path.join(codexDir, 'hooks.json'),
      gemini: path.join(geminiDir, 'settings.json'),
    },
  };
}
