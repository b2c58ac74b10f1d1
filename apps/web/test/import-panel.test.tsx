import { cleanup, fireEvent, render, screen, waitFor } from '@solidjs/testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { ImportPanel } from '../src/components/ImportPanel.js';
import type { ImportProgress } from '../src/data/import.js';

afterEach(cleanup);

const MB = 1024 * 1024;

function progress(over: Partial<ImportProgress>): ImportProgress {
  return {
    state: 'idle',
    startedAt: null,
    finishedAt: null,
    filesTotal: 0,
    filesDone: 0,
    filesUnchanged: 0,
    filesLive: 0,
    filesChanged: 0,
    sessions: 0,
    bytesTotal: 0,
    bytesDone: 0,
    rate: 0,
    etaMs: null,
    found: { claude: 0, codex: 0, gemini: 0 },
    linesSkipped: 0,
    error: null,
    ...over,
  };
}

describe('Settings: import history', () => {
  it('starts an import and follows it: files, sessions, MB, rate, time left, then the summary', async () => {
    const started: unknown[] = [];
    const states = [
      progress({ state: 'idle' }),
      progress({
        state: 'running',
        filesTotal: 2000,
        filesDone: 500,
        sessions: 498,
        bytesTotal: 500 * MB,
        bytesDone: 125 * MB,
        rate: 50 * MB,
        etaMs: 7500,
      }),
      progress({
        state: 'done',
        filesTotal: 2000,
        filesDone: 2000,
        sessions: 1999,
        filesLive: 1,
        bytesTotal: 500 * MB,
        bytesDone: 500 * MB,
        rate: 52 * MB,
      }),
    ];
    let calls = 0;
    const api = {
      importStart: async (req?: unknown) => {
        started.push(req);
        return progress({ state: 'running', filesTotal: 2000, bytesTotal: 500 * MB });
      },
      importStatus: async () => states[Math.min(calls++, states.length - 1)]!,
    };
    render(() => <ImportPanel api={api} pollMs={10} />);
    const button = await screen.findByRole('button', { name: 'Import history' });
    await waitFor(() => expect(calls).toBe(1));
    expect(screen.queryByTestId('import-progress')).toBeNull();
    fireEvent.click(button);
    await waitFor(() =>
      expect(screen.getByTestId('import-figures').textContent).toContain('Files 500/2,000'),
    );
    const running = screen.getByTestId('import-figures').textContent ?? '';
    expect(running).toContain('498 sessions');
    expect(running).toContain('125 MB of 500 MB');
    expect(running).toContain('50.0 MB/s');
    expect(running).toContain('left 0:08');
    expect(screen.getByRole('button', { name: 'Importing…' })).toHaveProperty('disabled', true);
    await waitFor(() =>
      expect(screen.getByTestId('import-summary').textContent).toBe(
        'Done: 1,999 sessions imported, 0 already imported, 1 live left alone.',
      ),
    );
    expect(started).toEqual([undefined]);
    expect(screen.getByRole('button', { name: 'Import history' })).toHaveProperty('disabled', false);
  });

  it('says why when the server refuses', async () => {
    const api = {
      importStart: async () => {
        throw new Error('an import is already running');
      },
      importStatus: async () => progress({}),
    };
    render(() => <ImportPanel api={api} />);
    fireEvent.click(await screen.findByRole('button', { name: 'Import history' }));
    expect((await screen.findByRole('alert')).textContent).toBe('an import is already running');
  });
});

describe('Settings: import history and retention', () => {
  it('says what retention will do to imported conversations before they are imported', async () => {
    render(() => (
      <ImportPanel
        api={{ importStart: async () => progress({}), importStatus: async () => progress({}) }}
        retentionHours={24}
      />
    ));
    expect((await screen.findByTestId('import-retention')).textContent).toMatch(
      /Retention keeps conversations for 24 h: imported sessions older than that .* leave full-text search/,
    );
  });
});
