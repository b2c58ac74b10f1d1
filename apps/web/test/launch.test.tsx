import { cleanup, fireEvent, render, screen, waitFor } from '@solidjs/testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { EMPTY_DRAFT, LaunchDialog, launchInput } from '../src/components/LaunchForm.js';
import { fieldErrors, type TerminalLaunch } from '../src/data/terminals.js';
import { resumableSession } from '../src/lib/resume.js';
import { SessionDetailView } from '../src/views/Detail.js';
import { testApi } from './api.js';
import { makeSession } from './factory.js';

afterEach(cleanup);

const SIZE = { cols: 80, rows: 24 };

describe('launchInput', () => {
  it('leaves out empty optional fields', () => {
    expect(launchInput({ ...EMPTY_DRAFT, cwd: '  ~/src/app ', prompt: '   ' }, SIZE)).toEqual({
      cli: 'claude',
      cwd: '~/src/app',
      ...SIZE,
    });
  });

  it('sends the API key only in env, under the CLI’s own variable; the permission mode for claude only', () => {
    const d = {
      ...EMPTY_DRAFT,
      cwd: '/w',
      prompt: 'go',
      tmux: true,
      permissionMode: 'plan' as const,
      apiKey: 'k1',
    };
    expect(launchInput(d, SIZE)).toEqual({
      cli: 'claude',
      cwd: '/w',
      prompt: 'go',
      tmux: true,
      permissionMode: 'plan',
      env: { ANTHROPIC_API_KEY: 'k1' },
      ...SIZE,
    });
    const codex = launchInput({ ...d, cli: 'codex' }, SIZE);
    expect(codex.permissionMode).toBeUndefined();
    expect(codex.env).toEqual({ OPENAI_API_KEY: 'k1' });
    expect(launchInput({ ...d, cli: 'gemini' }, SIZE).env).toEqual({ GEMINI_API_KEY: 'k1' });
    // nowhere but env
    const { env: _env, ...rest } = launchInput(d, SIZE);
    expect(JSON.stringify(rest)).not.toContain('k1');
  });
});

describe('fieldErrors', () => {
  it('names the field from the input issues, else from the message, else none', () => {
    const zod = Object.assign(new Error('[{"...": "..."}]'), {
      data: { zodIssues: [{ path: 'cwd', message: 'cwd: shell metacharacters …' }] },
    });
    expect(fieldErrors(zod)).toEqual([{ field: 'cwd', message: 'cwd: shell metacharacters …' }]);
    expect(fieldErrors(new Error('cwd: not a directory: /x'))).toEqual([
      { field: 'cwd', message: 'cwd: not a directory: /x' },
    ]);
    expect(fieldErrors(new Error('terminal limit reached: 10 open'))).toEqual([
      { field: null, message: 'terminal limit reached: 10 open' },
    ]);
  });
});

describe('LaunchDialog', () => {
  it('shows a refusal under the field it names and moves the keyboard there; other refusals above the buttons', async () => {
    const sent: TerminalLaunch[] = [];
    let answer: Error = new Error('cwd: not a directory: /nope');
    const api = testApi({
      agentClis: async () => [
        { cli: 'claude', found: true, path: '/usr/bin/claude', configured: false },
        { cli: 'codex', found: false, path: null, configured: false },
        { cli: 'gemini', found: false, path: null, configured: true },
      ],
      launchTerminal: async (input) => {
        sent.push(input);
        throw answer;
      },
    });
    render(() => <LaunchDialog api={api} onLaunched={() => undefined} onCancel={() => undefined} />);
    const cwd = screen.getByLabelText('Working directory');
    expect(document.activeElement).toBe(cwd);
    await waitFor(() =>
      expect(screen.getByRole('radio', { name: /codex/ }).closest('label')?.textContent).toContain(
        'not found',
      ),
    );
    expect(screen.getByRole('radio', { name: /gemini/ }).closest('label')?.textContent).toContain(
      'not at its configured path',
    );
    fireEvent.input(cwd, { target: { value: '/nope' } });
    fireEvent.click(screen.getByRole('button', { name: 'Start agent' }));
    await waitFor(() => expect(cwd.getAttribute('aria-invalid')).toBe('true'));
    expect(document.getElementById('launch-cwd-error')?.textContent).toBe('cwd: not a directory: /nope');
    expect(cwd.getAttribute('aria-describedby')).toBe('launch-cwd-error');
    expect(document.activeElement).toBe(cwd);
    expect(sent).toEqual([{ cli: 'claude', cwd: '/nope', cols: 100, rows: 30 }]);

    answer = new Error('terminal limit reached: 10 open');
    fireEvent.click(screen.getByRole('button', { name: 'Start agent' }));
    await waitFor(() =>
      expect(screen.getByRole('alert').textContent).toBe('terminal limit reached: 10 open'),
    );
    expect(cwd.getAttribute('aria-invalid')).toBe('false');
  });

  it('hides the permission mode for codex and gemini', async () => {
    const api = testApi({ agentClis: async () => [] });
    render(() => <LaunchDialog api={api} onLaunched={() => undefined} onCancel={() => undefined} />);
    expect(screen.queryByLabelText('Permission mode')).not.toBeNull();
    fireEvent.click(screen.getByRole('radio', { name: /codex/ }));
    expect(screen.queryByLabelText('Permission mode')).toBeNull();
  });
});

describe('LaunchDialog host', () => {
  it('offers This machine and the configured SSH hosts; the chosen host is sent; its refusal shows under it', async () => {
    const sent: TerminalLaunch[] = [];
    const api = testApi({
      agentClis: async () => [],
      sshHosts: async () => [
        {
          name: 'box',
          host: 'box.example',
          port: 22,
          user: 'dev',
          auth: 'agent',
          hostKey: {
            host: 'box',
            type: 'ssh-ed25519',
            fingerprint: `SHA256:${'a'.repeat(43)}`,
            state: 'unknown',
          },
          error: null,
        },
      ],
      launchTerminal: async (input) => {
        sent.push(input);
        throw new Error('host: box (box.example:22) is not trusted yet: check its host key fingerprint');
      },
    });
    render(() => <LaunchDialog api={api} onLaunched={() => undefined} onCancel={() => undefined} />);
    const host = (await screen.findByLabelText('Host')) as HTMLSelectElement;
    expect([...host.options].map((o) => o.textContent)).toEqual([
      'This machine',
      'box (dev@box.example) — key not trusted',
    ]);
    fireEvent.change(host, { target: { value: 'box' } });
    expect(screen.getByText('On box: an absolute path or ~/…')).toBeTruthy();
    fireEvent.input(screen.getByLabelText('Working directory'), { target: { value: '~/src' } });
    fireEvent.click(screen.getByRole('button', { name: 'Start agent' }));
    await waitFor(() => expect(host.getAttribute('aria-invalid')).toBe('true'));
    expect(document.getElementById('launch-host-error')?.textContent).toMatch(
      /^host: box .* not trusted yet/,
    );
    expect(sent).toEqual([{ cli: 'claude', cwd: '~/src', host: 'box', cols: 100, rows: 30 }]);
  });

  it('shows no host field when no SSH host is configured', async () => {
    const api = testApi({ agentClis: async () => [], sshHosts: async () => [] });
    render(() => <LaunchDialog api={api} onLaunched={() => undefined} onCancel={() => undefined} />);
    await waitFor(() => expect(screen.getByLabelText('Working directory')).toBeTruthy());
    expect(screen.queryByLabelText('Host')).toBeNull();
  });
});

describe('resumableSession', () => {
  const s = {
    sessionId: '3f2a9c4e-1b7d-4e8a-9c55-0d6e2f1a7b90',
    cli: 'claude',
    status: 'ended' as const,
    terminalId: null,
  };
  it('is an ended or idle Claude session with a Claude session id', () => {
    expect(resumableSession(s)).toBe(true);
    expect(resumableSession({ ...s, status: 'idle' })).toBe(true);
    expect(resumableSession({ ...s, status: 'working' })).toBe(false);
    expect(resumableSession({ ...s, cli: 'codex' })).toBe(false);
    // a launch's card before its agent started (named after its terminal)
    expect(resumableSession({ ...s, sessionId: 'term-abc' })).toBe(false);
  });
});

describe('Resume in terminal (session page)', () => {
  const sid = '3f2a9c4e-1b7d-4e8a-9c55-0d6e2f1a7b90';
  it('resumes an ended session at once, an idle one only after a confirmation', async () => {
    const calls: string[] = [];
    const actions = { resumeInTerminal: () => void calls.push('resume') };
    const { unmount } = render(() => (
      <SessionDetailView session={makeSession({ sessionId: sid, status: 'ended' })} actions={actions} />
    ));
    fireEvent.click(screen.getByRole('button', { name: 'Resume in terminal' }));
    expect(calls).toEqual(['resume']);
    unmount();

    render(() => (
      <SessionDetailView
        session={makeSession({ sessionId: sid, status: 'idle', pid: 4242 })}
        actions={actions}
      />
    ));
    fireEvent.click(screen.getByRole('button', { name: 'Resume in terminal' }));
    expect(calls).toEqual(['resume']);
    expect(screen.getByRole('dialog').textContent).toContain(
      'may still be running where it started (pid 4242)',
    );
    fireEvent.click(screen.getByRole('button', { name: 'Resume here' }));
    expect(calls).toEqual(['resume', 'resume']);
  });

  it('is not offered without the action (not resumable, or its terminal still runs)', () => {
    render(() => (
      <SessionDetailView session={makeSession({ sessionId: sid, status: 'ended' })} actions={{}} />
    ));
    expect(screen.queryByRole('button', { name: 'Resume in terminal' })).toBeNull();
  });
});
