/**
 * The dashboard says plainly what Flightdeck can do for each agent CLI, from the one table in
 * @flightdeck/shared-types: the session page's box, the approval card of a CLI that cannot be answered from the
 * browser, and Settings → Hooks.
 */
import { AGENT_CLIS, type ApprovalView, CLI_CAPABILITIES } from '@flightdeck/shared-types';
import { cleanup, render, screen, waitFor, within } from '@solidjs/testing-library';
import { createRoot } from 'solid-js';
import { afterEach, describe, expect, it } from 'vitest';
import { ApprovalItem } from '../src/components/Approval.js';
import type { Api } from '../src/data/types.js';
import { createApprovalsStore } from '../src/store/approvals.js';
import { SessionDetailView } from '../src/views/Detail.js';
import { HooksPanel } from '../src/views/Settings.js';
import { makeSession } from './factory.js';

afterEach(cleanup);

function approval(over: Partial<ApprovalView>): ApprovalView {
  return {
    id: 'a1',
    sessionId: 's1',
    cli: 'claude',
    project: 'x',
    sessionTitle: 'Tidy',
    tool: 'Bash',
    kind: 'approval',
    agentId: null,
    rendering: { kind: 'command', title: 'Bash wants to run', text: 'touch x' },
    toolInput: { command: 'touch x' },
    suggestions: [],
    since: 0,
    decidable: true,
    notDecidableReason: null,
    ...over,
  };
}

const store = () =>
  createRoot(() => createApprovalsStore({ decideApproval: async () => ({ ok: true, outcome: 'allowed' }) }));

describe('what Flightdeck can do for each CLI', () => {
  for (const cli of AGENT_CLIS) {
    it(`the session page of a ${cli} session says it, from the shared table`, () => {
      render(() => <SessionDetailView session={makeSession({ sessionId: `s-${cli}`, cli })} />);
      const box = screen.getByTestId('cli-capabilities');
      const c = CLI_CAPABILITIES[cli];
      expect(box.getAttribute('data-cli')).toBe(cli);
      expect(box.textContent).toContain(`What Flightdeck can do for ${c.name}`);
      expect(within(box).getByTestId('cap-approvals').textContent).toBe(
        `${c.approvals.fromDashboard ? 'From here. ' : 'Not from here. '}${c.approvals.how}`,
      );
      for (const text of [c.usage, c.sessionFile, c.resume.how, c.launch, c.history, c.testedVersion])
        expect(box.textContent).toContain(text);
    });
  }

  it('a session on a machine that forwards its events: no Kill, and the box says approvals are answered there', () => {
    const kill = () => undefined;
    const session = makeSession({ sessionId: 'r', cli: 'claude', host: 'build-box', status: 'working' });
    render(() => <SessionDetailView session={session} actions={{ kill }} forwardedFrom="build-box" />);
    expect(screen.queryByRole('button', { name: 'Kill' })).toBeNull();
    expect(screen.getByTestId('cap-forwarded').textContent).toContain(
      'on build-box, which forwards its events: its permission questions are answered in its terminal',
    );
    expect(screen.getByTestId('cap-approvals').textContent).toMatch(/^Not from here: build-box forwards/);
    cleanup();
    // The same session on this machine: Kill is offered, approvals from here.
    render(() => <SessionDetailView session={session} actions={{ kill }} />);
    expect(screen.getByRole('button', { name: 'Kill' })).toBeTruthy();
    expect(screen.queryByTestId('cap-forwarded')).toBeNull();
    expect(screen.getByTestId('cap-approvals').textContent).toMatch(/^From here\./);
  });

  it('Gemini and Codex boxes differ on approvals: terminal only vs. a short hold', () => {
    render(() => <SessionDetailView session={makeSession({ sessionId: 'g', cli: 'gemini' })} />);
    expect(screen.getByTestId('cli-capabilities').textContent).toContain('approvals in the terminal only');
    cleanup();
    render(() => <SessionDetailView session={makeSession({ sessionId: 'c', cli: 'codex' })} />);
    expect(screen.getByTestId('cli-capabilities').textContent).toContain('approvals from here within 20 s');
  });

  it('a Gemini approval card says why it is answered in the terminal; a Claude one that is held does not', () => {
    const s = store();
    render(() => (
      <ApprovalItem
        approval={approval({
          cli: 'gemini',
          decidable: false,
          notDecidableReason: 'Gemini CLI has no permission hook: answer in the terminal',
        })}
        store={s}
      />
    ));
    expect(screen.getByTestId('cli-approval-note').textContent).toBe(CLI_CAPABILITIES.gemini.approvals.how);
    expect(screen.queryByRole('button', { name: 'Allow' })).toBeNull();
    cleanup();
    render(() => <ApprovalItem approval={approval({ cli: 'claude' })} store={s} />);
    expect(screen.queryByTestId('cli-approval-note')).toBeNull();
    expect(screen.getByRole('button', { name: 'Allow' })).toBeTruthy();
  });

  it('Settings → Hooks has a row per CLI saying what Flightdeck can do with its hooks', async () => {
    const api = {
      hookStatus: async () => [],
      installHooks: async () => {},
      uninstallHooks: async () => {},
    } as unknown as Api;
    render(() => <HooksPanel api={api} onToast={() => {}} />);
    await waitFor(() => expect(screen.getByTestId('hooks-capabilities-gemini')).toBeTruthy());
    for (const cli of AGENT_CLIS) {
      const cell = screen.getByTestId(`hooks-capabilities-${cli}`);
      expect(cell.textContent).toContain('What Flightdeck can do:');
      expect(cell.textContent).toContain(CLI_CAPABILITIES[cli].approvals.how);
      // A row of its own right under the CLI's row, across its columns (room on a phone too).
      expect(cell.closest('tr')?.previousElementSibling?.getAttribute('data-cli')).toBe(cli);
      expect(cell.getAttribute('colspan')).toBe('4');
    }
    expect(screen.getByTestId('hooks-capabilities-gemini').textContent).toContain(
      'approvals in the terminal only',
    );
  });
});
