import fs from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { DENSITIES, INSTALL_CLIS, type InstallCli } from './density.js';
import { atomicWrite } from './safeFs.js';

/** What we wrote into a CLI's settings file, so later runs can tell our entries from edits by others. */
export const installManifestSchema = z.object({
  version: z.literal(1),
  cli: z.enum(INSTALL_CLIS),
  /** The settings file as addressed (may be a symlink). */
  file: z.string(),
  density: z.enum(DENSITIES),
  hookCommand: z.string(),
  installedAt: z.string(),
  /** Event → the exact hook group we wrote. */
  entries: z.record(z.string(), z.unknown()),
  /** Keys that did not exist before we added them (removed again by uninstall once empty). */
  created: z.object({ hooksKey: z.boolean(), events: z.array(z.string()) }),
  /** Copy of the file from before our first change (absent when the file did not exist). */
  backup: z.string().nullable(),
});
export type InstallManifest = z.infer<typeof installManifestSchema>;

export function manifestPath(hooksDir: string, cli: InstallCli): string {
  return path.join(hooksDir, `manifest-${cli}.json`);
}

/** The manifest for `cli`, or null when there is none, it is unreadable, or it describes another file. */
export async function readManifest(
  hooksDir: string,
  cli: InstallCli,
  file: string,
): Promise<InstallManifest | null> {
  let text: string;
  try {
    text = await fs.readFile(manifestPath(hooksDir, cli), 'utf8');
  } catch {
    return null;
  }
  try {
    const parsed = installManifestSchema.safeParse(JSON.parse(text));
    if (!parsed.success || parsed.data.cli !== cli || parsed.data.file !== file) return null;
    return parsed.data;
  } catch {
    return null;
  }
}

export async function writeManifest(hooksDir: string, manifest: InstallManifest): Promise<void> {
  const p = manifestPath(hooksDir, manifest.cli);
  await atomicWrite(p, p, `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o600 });
}

export async function removeManifest(hooksDir: string, cli: InstallCli): Promise<void> {
  await fs.rm(manifestPath(hooksDir, cli), { force: true });
}
