import { cleanup, fireEvent, render, screen } from '@solidjs/testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { SessionCard } from '../src/components/SessionCard.js';
import type { LiveSession } from '../src/data/types.js';
import { setNow } from '../src/lib/clock.js';
import { makeLive } from './factory.js';

const T0 = 1_700_000_000_000;

afterEach(cleanup);

describe('SessionCard', () => {
  it('shows project, title, cli, model, counts, source and a working status', () => {
    setNow(T0 + 5_000);
    const s = makeLive({
      sessionId: 's1',
      status: 'working',
      currentTool: 'Bash',
      currentToolSummary: 'npm test',
      totalToolCalls: 7,
      subagentCount: 2,
      source: 'vscode',
    });
    const { container } = render(() => <SessionCard session={s} />);
    const card = container.querySelector('article')!;
    expect(card.dataset.status).toBe('working');
    expect(card.classList.contains('card--needs-you')).toBe(false);
    expect(screen.getByText('Refactor the parser')).toBeTruthy();
    expect(screen.getByText('alpha')).toBeTruthy();
    expect(screen.getByText('claude')).toBeTruthy();
    expect(screen.getByText('sonnet-4-5')).toBeTruthy();
    expect(screen.getByText('Working')).toBeTruthy();
    expect(screen.getByTestId('activity').textContent).toBe('Bash: npm test');
    expect(card.textContent).toContain('7 tool calls');
    expect(card.textContent).toContain('2 subagents');
    expect(screen.getByText('VS Code')).toBeTruthy();
  });

  it('renders approval distinctly: class, diamond icon and accessible text', () => {
    setNow(T0);
    const approval = makeLive({
      sessionId: 'a',
      status: 'approval',
      waitingDetail: 'Approve Bash: rm -rf build',
      statusReason: {
        status: 'approval',
        cause: 'event',
        trigger: 'PermissionRequest',
        detail: 'PermissionRequest for Bash: rm -rf build',
        at: T0,
      },
    });
    const working = makeLive({ sessionId: 'w', status: 'working' });
    const { container } = render(() => (
      <>
        <SessionCard session={approval} />
        <SessionCard session={working} />
      </>
    ));
    const [a, w] = [...container.querySelectorAll('article')];
    expect(a!.classList.contains('card--needs-you')).toBe(true);
    expect(w!.classList.contains('card--needs-you')).toBe(false);
    expect(a!.querySelector('.status-icon')!.getAttribute('data-shape')).toBe('diamond');
    expect(w!.querySelector('.status-icon')!.getAttribute('data-shape')).toBe('circle');
    expect(a!.getAttribute('aria-label')).toContain('Needs approval');
    expect(a!.querySelector('.badge')!.classList.contains('badge--needs-you')).toBe(true);
    expect(screen.getByText('Approve Bash: rm -rf build')).toBeTruthy();
  });

  it('input has its own shape, different from approval', () => {
    const s = makeLive({ sessionId: 'i', status: 'input', waitingDetail: 'Which database?' });
    const { container } = render(() => <SessionCard session={s} />);
    expect(container.querySelector('.status-icon')!.getAttribute('data-shape')).toBe('bubble');
    expect(screen.getByText('Needs input')).toBeTruthy();
    expect(screen.getByText('Which database?')).toBeTruthy();
  });

  it('time in status ticks with the clock', () => {
    setNow(T0 + 65_000);
    const s = makeLive({ sessionId: 't', status: 'waiting' });
    render(() => <SessionCard session={s} />);
    const el = screen.getByTestId('time-in-status');
    expect(el.textContent).toBe('1m 05s');
    setNow(T0 + 3_600_000 + 120_000);
    expect(el.textContent).toBe('1h 02m');
  });

  it('label wins over title, and accent colour is applied', () => {
    const s = makeLive({ sessionId: 'l', label: 'API work', accentColor: '#ff0088' });
    const { container } = render(() => <SessionCard session={s} />);
    expect(screen.getByText('API work')).toBeTruthy();
    const card = container.querySelector('article') as HTMLElement;
    expect(card.style.getPropertyValue('--accent')).toBe('#ff0088');
  });

  it('shows the terminal in words, and nothing (never "unknown") when it was not detected', () => {
    const iterm = makeLive({ sessionId: 'it', source: 'iterm' });
    const lost = makeLive({ sessionId: 'un', source: 'unknown' });
    const { container } = render(() => (
      <>
        <SessionCard session={iterm} />
        <SessionCard session={lost} />
      </>
    ));
    const [a, b] = [...container.querySelectorAll('article')];
    expect(a!.querySelector('.card__source')!.textContent).toContain('iTerm');
    expect(b!.querySelector('.card__source')).toBeNull();
    expect(b!.textContent).not.toContain('unknown');
  });

  it('marks a card that continues another, with an accessible label and a link to it', () => {
    const opened: string[] = [];
    const cleared = makeLive({
      sessionId: 'after',
      lineage: [{ sessionId: 'before-1234-5678', relation: 'cleared', direction: 'predecessor', at: T0 }],
    });
    const resumed = makeLive({
      sessionId: 'again',
      lineage: [{ sessionId: 'first-9999', relation: 'resumed', direction: 'predecessor', at: T0 }],
    });
    // Continued by another card, continuing none: no marker.
    const continued = makeLive({
      sessionId: 'before-1234-5678',
      lineage: [{ sessionId: 'after', relation: 'cleared', direction: 'successor', at: T0 }],
    });
    const { container } = render(() => (
      <>
        <SessionCard session={cleared} onOpen={(id) => void opened.push(id)} />
        <SessionCard session={resumed} />
        <SessionCard session={continued} />
      </>
    ));
    const [a, b, c] = [...container.querySelectorAll('article')];
    const marker = a!.querySelector('[data-testid="lineage-marker"]')!;
    expect(marker.textContent).toBe('↳ after /clear');
    expect(marker.getAttribute('aria-label')).toBe('Continues session before-1 (after /clear)');
    expect(marker.getAttribute('href')).toBe('#/session/before-1234-5678');
    expect(screen.getByRole('link', { name: 'Continues session before-1 (after /clear)' })).toBe(marker);
    fireEvent.click(marker);
    expect(opened).toEqual(['before-1234-5678']);
    expect(b!.querySelector('[data-testid="lineage-marker"]')!.textContent).toBe('↳ resumed');
    expect(c!.querySelector('[data-testid="lineage-marker"]')).toBeNull();
  });

  it('a card from an older state without lineage shows no marker', () => {
    const { lineage: _l, ...old } = makeLive({ sessionId: 'old' });
    const { container } = render(() => <SessionCard session={old as LiveSession} />);
    expect(container.querySelector('[data-testid="lineage-marker"]')).toBeNull();
    expect(container.querySelector('article')).toBeTruthy();
  });
});
