import { cleanup, fireEvent, render, screen, waitFor } from '@solidjs/testing-library';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PromptQueuePanel } from '../src/components/PromptQueue.js';
import { SessionCard } from '../src/components/SessionCard.js';
import type { QueuedPrompt, QueueView } from '../src/data/queue.js';
import { makeLive } from './factory.js';

afterEach(cleanup);

const item = (id: string, text: string, state: QueuedPrompt['state'] = 'queued'): QueuedPrompt => ({
  id,
  text,
  state,
  createdAt: 1,
  updatedAt: 1,
  sentAt: state === 'sent' ? 2 : null,
});

describe('prompt queue on the card', () => {
  it('shows the count (with the reason it is held as its tooltip), nothing when empty', () => {
    const { unmount } = render(() => (
      <SessionCard
        session={makeLive({ sessionId: 's1', queueCount: 3, queueNote: 'Queued prompt not typed in: x' })}
      />
    ));
    const badge = screen.getByTestId('queue-count');
    expect(badge.textContent).toContain('3');
    expect(badge.textContent).toContain('queued prompts');
    expect(badge.getAttribute('title')).toBe('Queued prompt not typed in: x');
    expect(badge.classList.contains('card__queue--held')).toBe(true);
    unmount();
    const empty = render(() => <SessionCard session={makeLive({ sessionId: 's1', queueCount: 0 })} />);
    expect(empty.container.querySelector('article')).not.toBeNull();
    expect(empty.container.querySelector('[data-testid="queue-count"]')).toBeNull();
  });
});

describe('prompt queue panel', () => {
  const session = {
    sessionId: 's1',
    terminalId: 'term-1',
    status: 'working',
    queueCount: 3,
    queueNote: null,
  };
  const view = (items: QueuedPrompt[]): QueueView => ({ sessionId: 's1', items, note: null });

  it('lists the queue; moving an item sends the whole new order; a typed-in item stays first and cannot be edited', async () => {
    const items = [item('a', 'one', 'sent'), item('b', 'two'), item('c', 'three')];
    const queueReorder = vi.fn(async (_s: string, ids: string[]) =>
      view(ids.map((id) => items.find((i) => i.id === id)!)),
    );
    const api = {
      queueList: vi.fn(async () => view(items)),
      queueAdd: vi.fn(),
      queueUpdate: vi.fn(),
      queueRemove: vi.fn(),
      queueReorder,
    };
    render(() => <PromptQueuePanel session={session} api={api} />);
    await waitFor(() => expect(screen.getAllByTestId('queue-item')).toHaveLength(3));
    const rows = screen.getAllByTestId('queue-item');
    const button = (row: number, name: string) =>
      [...rows[row]!.querySelectorAll('button')].find(
        (b) => b.getAttribute('aria-label') === name || b.textContent === name,
      ) as HTMLButtonElement;
    expect(button(0, 'Edit').disabled).toBe(true);
    expect(button(0, 'Move down').disabled).toBe(true);
    expect(button(1, 'Move up').disabled).toBe(true);
    fireEvent.click(button(2, 'Move up'));
    await waitFor(() => expect(queueReorder).toHaveBeenCalledWith('s1', ['a', 'c', 'b']));
    await waitFor(() =>
      expect(screen.getAllByTestId('queue-item').map((r) => r.querySelector('pre')?.textContent)).toEqual([
        'one',
        'three',
        'two',
      ]),
    );
  });

  it('refuses a blank prompt without asking the server; without a terminal it explains and offers no form', async () => {
    const api = {
      queueList: vi.fn(async () => view([])),
      queueAdd: vi.fn(),
      queueUpdate: vi.fn(),
      queueRemove: vi.fn(),
      queueReorder: vi.fn(),
    };
    const { unmount } = render(() => <PromptQueuePanel session={session} api={api} />);
    fireEvent.input(screen.getByLabelText('Prompt to queue'), { target: { value: '   ' } });
    fireEvent.submit(screen.getByLabelText('Prompt to queue').closest('form')!);
    await waitFor(() => expect(screen.getByRole('alert').textContent).toMatch(/not blank/));
    expect(api.queueAdd).not.toHaveBeenCalled();
    unmount();
    render(() => <PromptQueuePanel session={{ ...session, terminalId: null }} api={api} />);
    expect(
      screen.getByText(/Prompts can be queued for a session running in a Flightdeck terminal/),
    ).toBeTruthy();
    expect(screen.queryByLabelText('Prompt to queue')).toBeNull();
  });
});
