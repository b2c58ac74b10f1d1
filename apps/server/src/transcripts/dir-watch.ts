/**
 * Watches the directories of transcripts that do not exist yet (Claude Code creates the file at its first
 * message): one `fs.watch` per directory, shared by the files waited for in it. When an entry of a waited-for name
 * changes there, `appeared` is called for its follows, which then look at the path at once instead of at their
 * backed-off poll (schedule.ts).
 */
import { type FSWatcher, watch } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { Follow } from './follow.js';

interface DirWatch {
  watcher: FSWatcher;
  byName: Map<string, Set<Follow>>;
}

export interface DirWatches {
  /** Watches the directory of `f.path` for it; false when the directory cannot be watched (e.g. missing). */
  add(f: Follow): boolean;
  remove(f: Follow): void;
  /** Directories watched now. */
  size(): number;
  closeAll(): void;
}

export function createDirWatches(appeared: (f: Follow) => void): DirWatches {
  const dirs = new Map<string, DirWatch>();

  function close(dir: string, d: DirWatch) {
    d.watcher.close();
    dirs.delete(dir);
    for (const set of d.byName.values()) for (const f of set) f.dirWatched = false;
  }

  function open(dir: string): DirWatch | null {
    const byName = new Map<string, Set<Follow>>();
    let d: DirWatch;
    try {
      const watcher = watch(dir, { persistent: false }, (_event, name) => {
        if (name === null) {
          for (const set of byName.values()) for (const f of set) appeared(f);
          return;
        }
        const set = byName.get(String(name));
        if (set) for (const f of set) appeared(f);
      });
      d = { watcher, byName };
    } catch {
      return null;
    }
    // e.g. the directory was removed: its follows go back to polling (and to hook events resetting the back-off)
    d.watcher.on('error', () => {
      if (dirs.get(dir) === d) close(dir, d);
    });
    dirs.set(dir, d);
    return d;
  }

  return {
    add(f) {
      const dir = dirname(f.path);
      const d = dirs.get(dir) ?? open(dir);
      if (!d) return false;
      const name = basename(f.path);
      const set = d.byName.get(name) ?? new Set<Follow>();
      d.byName.set(name, set);
      set.add(f);
      f.dirWatched = true;
      return true;
    },
    remove(f) {
      if (!f.dirWatched) return;
      f.dirWatched = false;
      const dir = dirname(f.path);
      const d = dirs.get(dir);
      if (!d) return;
      const name = basename(f.path);
      const set = d.byName.get(name);
      set?.delete(f);
      if (set?.size === 0) d.byName.delete(name);
      if (d.byName.size === 0) {
        d.watcher.close();
        dirs.delete(dir);
      }
    },
    size: () => dirs.size,
    closeAll() {
      for (const [dir, d] of [...dirs]) close(dir, d);
    },
  };
}
