import type { ToolCall } from '@flightdeck/shared-types';
import { cleanup, fireEvent, render, screen, waitFor } from '@solidjs/testing-library';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { setNow } from '../src/lib/clock.js';
import { hrefOf, parseHash } from '../src/lib/router.js';
import { SessionDetailView } from '../src/views/Detail.js';
import { makeSession } from './factory.js';

const T0 = 1_700_000_000_000;

afterEach(cleanup);

function call(p: Partial<ToolCall> & { tool: string; input: unknown }): ToolCall {
  return {
    seq: 0,
    toolUseId: `t-${p.tool}`,
    inputSummary: '',
    status: 'ok',
    startedAt: T0,
    endedAt: T0 + 40,
    durationMs: 40,
    result: null,
    error: null,
    agentId: null,
    ...p,
  };
}

describe('SessionDetailView', () => {
  it('explains why the session has its status: trigger, detail, cause and time since', () => {
    setNow(T0 + 90_000);
    const s = makeSession({
      sessionId: 'd1',
      status: 'approval',
      statusReason: {
        status: 'approval',
        cause: 'event',
        trigger: 'PermissionRequest',
        detail: 'PermissionRequest for Bash: rm -rf build',
        at: T0,
      },
      pendingApproval: {
        tool: 'Bash',
        toolInput: { command: 'rm -rf build' },
        toolUseId: 'tu1',
        detail: 'Approve Bash: rm -rf build',
        since: T0,
        source: 'permission_request',
        kind: 'approval',
        agentId: null,
        suggestions: [],
        id: null,
        decidable: false,
      },
    });
    render(() => <SessionDetailView session={s} />);
    const why = screen.getByTestId('status-reason');
    expect(why.textContent).toContain('Needs approval');
    expect(why.textContent).toContain('PermissionRequest for Bash: rm -rf build');
    expect(why.textContent).toContain('PermissionRequest');
    expect(why.textContent).toContain('event');
    expect(why.textContent).toContain('for 1m 30s');
    expect(why.textContent).toContain('Approve Bash: rm -rf build');
    expect(why.classList.contains('why--needs-you')).toBe(true);
  });

  it('shows the newest tool call input: Edit as a diff of old_string vs new_string', () => {
    const s = makeSession({
      sessionId: 'd2',
      toolLog: [
        call({
          tool: 'Bash',
          input: { command: 'npm test', description: 'Run tests' },
          inputSummary: 'npm test',
          result: 'Tests: 3 passed',
          startedAt: T0,
        }),
        call({
          tool: 'Edit',
          input: {
            file_path: '/src/a.ts',
            old_string: 'const a = 1;\nconst b = 2;',
            new_string: 'const a = 1;\nconst b = 3;',
          },
          inputSummary: '/src/a.ts',
          startedAt: T0 + 1000,
        }),
      ],
    });
    const { container } = render(() => <SessionDetailView session={s} />);
    // newest (Edit) is open by default
    const diff = container.querySelector('.toolcall[data-tool="Edit"] .diff')!;
    expect(diff).toBeTruthy();
    const lines = [...diff.querySelectorAll('.diff__line')].map((l) => [
      l.getAttribute('data-kind'),
      l.textContent,
    ]);
    expect(lines).toEqual([
      ['same', '11 const a = 1;'],
      ['del', '2−removed: const b = 2;'],
      ['add', '2+added: const b = 3;'],
    ]);
    expect(diff.textContent).toContain('/src/a.ts');
  });

  it('shows a Bash call as command + output once expanded', () => {
    const s = makeSession({
      sessionId: 'd3',
      toolLog: [
        call({
          tool: 'Bash',
          input: { command: 'ls -la /tmp' },
          inputSummary: 'ls -la /tmp',
          result: 'total 0',
        }),
        call({
          tool: 'Read',
          input: { file_path: '/etc/hosts' },
          inputSummary: '/etc/hosts',
          startedAt: T0 + 5,
        }),
      ],
    });
    const { container } = render(() => <SessionDetailView session={s} />);
    // the generic input of the newest call (Read) is shown as JSON
    expect(container.querySelector('.toolcall[data-tool="Read"] .code--input')!.textContent).toContain(
      '"/etc/hosts"',
    );
    expect(container.querySelector('.toolcall[data-tool="Bash"] .toolcall__body')).toBeNull();
    fireEvent.click(container.querySelector('.toolcall[data-tool="Bash"] .toolcall__summary')!);
    const body = container.querySelector('.toolcall[data-tool="Bash"] .toolcall__body')!;
    expect(body.querySelector('.code--cmd')!.textContent).toContain('ls -la /tmp');
    expect(body.textContent).toContain('Output');
    expect(body.querySelector('.code--output')!.textContent).toBe('total 0');
  });

  it('shows Write content as an all-added diff', () => {
    const s = makeSession({
      sessionId: 'd4',
      toolLog: [
        call({ tool: 'Write', input: { file_path: '/n.txt', content: 'one\ntwo' }, inputSummary: '/n.txt' }),
      ],
    });
    const { container } = render(() => <SessionDetailView session={s} />);
    const kinds = [...container.querySelectorAll('.diff__line')].map((l) => l.getAttribute('data-kind'));
    expect(kinds).toEqual(['add', 'add']);
  });

  it('asks for confirmation before killing, then emits the kill intent', async () => {
    const calls: string[] = [];
    const s = makeSession({ sessionId: 'd5', status: 'working', pid: 777 });
    render(() => <SessionDetailView session={s} actions={{ kill: () => void calls.push('kill') }} />);
    fireEvent.click(screen.getByRole('button', { name: 'Kill' }));
    expect(calls).toEqual([]);
    expect(screen.getByText('Kill this agent?')).toBeTruthy();
    expect(screen.getByRole('dialog').textContent).toContain('(pid 777)');
    fireEvent.click(screen.getByRole('button', { name: 'Kill agent' }));
    expect(calls).toEqual(['kill']);
  });

  it('Esc closes the confirmation without acting, and focus starts on Cancel', () => {
    const calls: string[] = [];
    const s = makeSession({ sessionId: 'd7', status: 'working' });
    render(() => <SessionDetailView session={s} actions={{ remove: () => void calls.push('delete') }} />);
    fireEvent.click(screen.getByRole('button', { name: 'Delete' }));
    const dialog = screen.getByRole('dialog');
    expect(document.activeElement?.textContent).toBe('Cancel');
    fireEvent.keyDown(dialog, { key: 'Escape' });
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(calls).toEqual([]);
  });

  it('edits the label and lists, adds and deletes notes through its actions', async () => {
    const calls: Array<[string, unknown]> = [];
    const s = makeSession({ sessionId: 'd6' });
    const notes = [{ id: 7, sessionId: 'd6', text: 'check the flaky test', createdAt: T0, updatedAt: T0 }];
    render(() => (
      <SessionDetailView
        session={s}
        notes={notes}
        actions={{
          setLabel: (l) => void calls.push(['label', l]),
          addNote: (t) => void calls.push(['add', t]),
          deleteNote: (id) => void calls.push(['delete', id]),
        }}
      />
    ));
    fireEvent.click(screen.getByRole('button', { name: 'Edit Label' }));
    const input = screen.getByLabelText('Label') as HTMLInputElement;
    fireEvent.input(input, { target: { value: 'API work' } });
    fireEvent.submit(input.closest('form')!);
    await Promise.resolve();
    expect(calls).toContainEqual(['label', 'API work']);

    fireEvent.click(screen.getByRole('tab', { name: /Notes \(1\)/ }));
    expect(screen.getByText('check the flaky test')).toBeTruthy();
    const box = screen.getByLabelText('New note') as HTMLTextAreaElement;
    fireEvent.input(box, { target: { value: 'ask about the migration' } });
    fireEvent.submit(box.closest('form')!);
    await Promise.resolve();
    expect(calls).toContainEqual(['add', 'ask about the migration']);
    fireEvent.click(screen.getByRole('button', { name: 'Delete' }));
    expect(calls).toContainEqual(['delete', 7]);
  });
});

describe('opening a session at an item (a search hit)', () => {
  const scrolled: Element[] = [];
  const original = Element.prototype.scrollIntoView;
  beforeEach(() => {
    scrolled.length = 0;
    Element.prototype.scrollIntoView = function (this: Element) {
      scrolled.push(this);
    };
  });
  afterEach(() => {
    Element.prototype.scrollIntoView = original;
  });

  const session = () =>
    makeSession({
      sessionId: 'f1',
      promptHistory: [{ text: 'run the suite', timestamp: T0 + 1, promptId: null, seq: 1 }],
      responseLog: [{ text: 'It failed on xylophone.', timestamp: T0 + 9, agentId: null, seq: 9 }],
      toolLog: [
        call({
          tool: 'Bash',
          toolUseId: 'toolu_old',
          input: { command: 'npm test' },
          result: 'FAIL xylophone',
        }),
        call({ tool: 'Read', toolUseId: null, startedAt: T0 + 5, input: { file_path: 'a.ts' } }),
        call({ tool: 'Grep', toolUseId: 'toolu_new', startedAt: T0 + 8, input: { pattern: 'x' } }),
      ],
    });

  it('selects the tool calls, expands and highlights the matching call and scrolls to it', async () => {
    const { container } = render(() => <SessionDetailView session={session()} focus="tool:toolu_old" />);
    const tab = screen.getByRole('tab', { name: /Tool calls/ });
    expect(tab.getAttribute('aria-selected')).toBe('true');
    const focused = container.querySelectorAll('.toolcall.is-focused');
    expect(focused.length).toBe(1);
    const li = focused[0]!;
    expect(li.getAttribute('data-item')).toBe('tool:toolu_old');
    expect(li.getAttribute('aria-current')).toBe('true');
    // Not the newest call (only that one opens by default), yet expanded: its output is on screen.
    expect(li.querySelector('.toolcall__summary')!.getAttribute('aria-expanded')).toBe('true');
    expect(li.querySelector('.code--output')!.textContent).toBe('FAIL xylophone');
    await waitFor(() => expect(scrolled).toEqual([li]));
  });

  it('finds a call without a tool_use_id by its start time', async () => {
    const { container } = render(() => <SessionDetailView session={session()} focus={`tool:@${T0 + 5}`} />);
    expect(container.querySelector('.toolcall.is-focused')!.getAttribute('data-tool')).toBe('Read');
    await waitFor(() => expect(scrolled.length).toBe(1));
  });

  it('selects the conversation for a response or a prompt and highlights that message', async () => {
    const { container } = render(() => (
      <SessionDetailView session={session()} focus={`response:${T0 + 9}`} />
    ));
    expect(screen.getByRole('tab', { name: /Conversation/ }).getAttribute('aria-selected')).toBe('true');
    const focused = container.querySelectorAll('.msg.is-focused');
    expect([...focused].map((e) => e.textContent)).toEqual([
      expect.stringContaining('It failed on xylophone.'),
    ]);
    await waitFor(() => expect(scrolled).toEqual([focused[0]]));
  });

  it('selects the notes for a note', () => {
    const notes = [{ id: 4, sessionId: 'f1', text: 'remember xylophone', createdAt: T0, updatedAt: T0 }];
    const { container } = render(() => (
      <SessionDetailView session={session()} notes={notes} focus="note:4" />
    ));
    expect(screen.getByRole('tab', { name: /Notes/ }).getAttribute('aria-selected')).toBe('true');
    expect(container.querySelector('.note.is-focused')!.textContent).toContain('remember xylophone');
  });

  it('says so when the item is not in the session, and highlights nothing', () => {
    const { container } = render(() => <SessionDetailView session={session()} focus="tool:toolu_gone" />);
    expect(screen.getByTestId('focus-missing').textContent).toContain('The matching tool call is no longer');
    expect(container.querySelector('.is-focused')).toBeNull();
  });

  it('without a focus: no highlight, no notice, tool calls first', () => {
    const { container } = render(() => <SessionDetailView session={session()} />);
    expect(container.querySelector('.is-focused')).toBeNull();
    expect(screen.queryByTestId('focus-missing')).toBeNull();
    expect(screen.getByRole('tab', { name: /Tool calls/ }).getAttribute('aria-selected')).toBe('true');
  });
});

describe('routes with an item or a History query', () => {
  it('parses and writes #/session/<id>?item= and #/history?…', () => {
    const r = parseHash('#/session/a%2Fb?item=tool%3Atoolu_1');
    expect(r).toEqual({ name: 'session', sessionId: 'a/b', item: 'tool:toolu_1' });
    expect(hrefOf(r)).toBe('#/session/a%2Fb?item=tool%3Atoolu_1');
    expect(parseHash('#/session/x')).toEqual({ name: 'session', sessionId: 'x' });
    expect(parseHash('#/history?q=a%20b&status=ended')).toEqual({
      name: 'history',
      params: 'q=a%20b&status=ended',
    });
    expect(hrefOf({ name: 'history', params: 'q=x' })).toBe('#/history?q=x');
    expect(hrefOf({ name: 'history' })).toBe('#/history');
  });
});
