import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach } from 'vitest';
import { type InstallTargets, resolveInstallTargets } from '../../src/install/index.js';

export const FIXTURES = path.dirname(fileURLToPath(import.meta.url));

export function fixture(name: string): string {
  return fs.readFileSync(path.join(FIXTURES, name), 'utf8');
}

export interface Sandbox {
  root: string;
  home: string;
  env: Record<string, string>;
  targets: InstallTargets;
  cleanup(): void;
}

/** A throwaway HOME (and data dir) under os.tmpdir(). */
export function sandbox(extraEnv: Record<string, string> = {}): Sandbox {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'fd-install-'));
  const home = path.join(root, 'home');
  fs.mkdirSync(home);
  const env: Record<string, string> = { HOME: home, ...extraEnv };
  const targets = resolveInstallTargets({ env, homedir: '/nonexistent-home' });
  return {
    root,
    home,
    env,
    targets,
    cleanup() {
      // restore write bits we may have removed so the tree can be deleted
      const walk = (p: string) => {
        try {
          const st = fs.lstatSync(p);
          if (st.isSymbolicLink()) return;
          fs.chmodSync(p, st.isDirectory() ? 0o755 : 0o644);
          if (st.isDirectory()) for (const e of fs.readdirSync(p)) walk(path.join(p, e));
        } catch {
          // already gone
        }
      };
      walk(root);
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
}

export function write(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
}

export function read(file: string): string {
  return fs.readFileSync(file, 'utf8');
}

/** A hook command that carries our marker; the script need not exist for pure settings tests. */
export const HOOK_CMD = "sh '/opt/flight deck/hooks/flightdeck-hook.sh'";

export function listDir(dir: string): string[] {
  try {
    return fs.readdirSync(dir).sort();
  } catch {
    return [];
  }
}

/**
 * `box(env)` makes a sandbox that is cleaned up after each test of the calling file (registers the `afterEach`).
 */
export function useSandboxes(): (env?: Record<string, string>) => Sandbox {
  const boxes: Sandbox[] = [];
  afterEach(() => {
    for (const b of boxes.splice(0)) b.cleanup();
  });
  return (env = {}) => {
    const b = sandbox(env);
    boxes.push(b);
    return b;
  };
}
