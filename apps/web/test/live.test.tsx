import type { Session, ToolCall } from '@flightdeck/shared-types';
import { cleanup, render, screen } from '@solidjs/testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { toLiveMessage } from '../src/data/normalise.js';
import type { LiveSummaryEvent } from '../src/data/types.js';
import { createSessionStore } from '../src/store/sessions.js';
import { DETAIL_REFETCH_INTERVAL_MS, DetailPage } from '../src/views/Detail.js';
import { testApi } from './api.js';
import { liveOf, makeLive, makeSession } from './factory.js';

afterEach(cleanup);

const T0 = 1_700_000_000_000;
const tick = () => new Promise((r) => setTimeout(r, 0));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function call(i: number, status: ToolCall['status'] = 'ok'): ToolCall {
  return {
    seq: i,
    toolUseId: `tu-${i}`,
    tool: 'Bash',
    input: { command: `echo ${i}` },
    inputSummary: `echo ${i}`,
    status,
    startedAt: T0 + i,
    endedAt: status === 'running' ? null : T0 + i + 5,
    durationMs: status === 'running' ? null : 5,
    result: `out ${i}`,
    error: null,
    agentId: null,
  };
}

describe('live summaries', () => {
  it('reads the server summary view as sent: no history arrays, counts and the running tool summary', () => {
    const { promptHistory, toolLog, responseLog, events, subagents, ...scalars } = makeSession({
      sessionId: 's1',
      currentTool: 'Bash',
    });
    const wire = {
      seq: 4,
      type: 'session-upsert',
      data: {
        ...scalars,
        summary: true,
        counts: { promptHistory: 3, toolLog: 12, responseLog: 2, events: 30, subagents: 1 },
        currentToolSummary: 'pnpm test',
      },
    };
    const msg = toLiveMessage(JSON.parse(JSON.stringify(wire)) as LiveSummaryEvent);
    expect(msg.type).toBe('session-upsert');
    if (msg.type !== 'session-upsert') return;
    expect(msg.session.sessionId).toBe('s1');
    expect(msg.session.counts).toEqual({
      promptHistory: 3,
      toolLog: 12,
      responseLog: 2,
      events: 30,
      subagents: 1,
    });
    expect(msg.session.currentToolSummary).toBe('pnpm test');
    expect('toolLog' in msg.session).toBe(false);
  });

  it('tells change listeners once per session per applied batch', () => {
    let flushNow: (() => void) | null = null;
    const store = createSessionStore({ schedule: (fn) => (flushNow = fn) });
    const seen: string[] = [];
    const off = store.onSessionChange((id) => seen.push(id));
    for (let i = 0; i < 50; i++)
      store.push({ type: 'session-upsert', session: makeLive({ sessionId: 'a', lastActivityAt: T0 + i }) });
    store.push({ type: 'session-upsert', session: makeLive({ sessionId: 'b' }) });
    expect(seen).toEqual([]);
    flushNow!();
    expect(seen).toEqual(['a', 'b']);
    store.apply({ type: 'session-removed', sessionId: 'a' });
    expect(seen).toEqual(['a', 'b', 'a']);
    off();
    store.apply({ type: 'session-upsert', session: makeLive({ sessionId: 'b' }) });
    expect(seen).toEqual(['a', 'b', 'a']);
  });
});

describe('DetailPage over live summaries', () => {
  function setup(sessionId: string) {
    const requests: Array<{ id: string; answer: (s: Session | null) => void }> = [];
    const api = testApi({
      getSession: (id) =>
        new Promise<Session | null>((resolve) => {
          requests.push({ id, answer: resolve });
        }),
      listNotes: async () => [],
    });
    const store = createSessionStore({ schedule: (fn) => fn() });
    const utils = render(() => (
      <DetailPage
        sessionId={sessionId}
        api={api}
        store={store}
        onClose={() => undefined}
        onOpen={() => undefined}
        onToast={(m) => {
          throw new Error(m);
        }}
      />
    ));
    return { requests, store, ...utils };
  }

  it('loads the full session, refetches on live upserts (coalesced) and keeps showing the previous data', async () => {
    const v1 = makeSession({ sessionId: 'd', status: 'working', toolLog: [call(1)] });
    const { requests, store, container } = setup('d');
    store.apply({ type: 'snapshot', seq: 1, teams: [], sessions: [liveOf(v1)] });
    expect(screen.getByText('Loading…')).toBeTruthy();
    expect(requests.map((r) => r.id)).toEqual(['d']);
    requests[0]!.answer(v1);
    await tick();
    const first = container.querySelector('.toolcall[data-tool="Bash"]')!;
    expect(first.querySelector('.toolcall__summary')!.getAttribute('aria-expanded')).toBe('true');
    expect(screen.getByRole('tab', { name: 'Tool calls (1)' })).toBeTruthy();

    // A burst of live events for this session: the live status shows at once, one refetch follows.
    for (let i = 0; i < 200; i++) {
      store.apply({
        type: 'session-upsert',
        session: makeLive({
          sessionId: 'd',
          status: 'approval',
          statusReason: {
            status: 'approval',
            cause: 'event',
            trigger: 'PermissionRequest',
            detail: 'PermissionRequest for Bash',
            at: T0 + i,
          },
          lastActivityAt: T0 + i,
        }),
      });
    }
    expect(container.querySelector('.detail')!.getAttribute('data-status')).toBe('approval');
    expect(container.querySelectorAll('.toolcall').length).toBe(1);
    await sleep(DETAIL_REFETCH_INTERVAL_MS + 60);
    expect(requests.length).toBe(2);
    // More events while that request is in flight: previous data stays, no further request yet.
    for (let i = 0; i < 50; i++)
      store.apply({
        type: 'session-upsert',
        session: makeLive({ sessionId: 'd', lastActivityAt: T0 + 500 + i }),
      });
    expect(requests.length).toBe(2);
    expect(container.querySelector('.toolcall[data-tool="Bash"]')).toBe(first);

    const v2 = makeSession({ sessionId: 'd', status: 'approval', toolLog: [call(1), call(2)] });
    requests[1]!.answer(v2);
    await tick();
    expect(container.querySelectorAll('.toolcall').length).toBe(2);
    expect(screen.getByRole('tab', { name: 'Tool calls (2)' })).toBeTruthy();
    // the unchanged call kept its DOM and its expanded state
    expect(container.querySelectorAll('.toolcall')[1]).toBe(first);
    expect(first.querySelector('.toolcall__summary')!.getAttribute('aria-expanded')).toBe('true');

    // exactly one trailing request for the events that arrived during the flight
    await sleep(DETAIL_REFETCH_INTERVAL_MS + 60);
    expect(requests.length).toBe(3);
    requests[2]!.answer(v2);
    await sleep(DETAIL_REFETCH_INTERVAL_MS + 60);
    expect(requests.length).toBe(3);
  });

  it('shows a past session (not in the live store) from getSession, and "not found" for an unknown id', async () => {
    const past = makeSession({ sessionId: 'old', status: 'ended', toolLog: [call(7)] });
    const a = setup('old');
    a.requests[0]!.answer(past);
    await tick();
    expect(a.container.querySelector('.detail[data-session-id="old"]')).toBeTruthy();
    expect(screen.getByText('history')).toBeTruthy();
    expect(a.container.querySelectorAll('.toolcall').length).toBe(1);
    cleanup();
    const b = setup('nope');
    b.requests[0]!.answer(null);
    await tick();
    expect(screen.getByText('Session not found.')).toBeTruthy();
  });
});
