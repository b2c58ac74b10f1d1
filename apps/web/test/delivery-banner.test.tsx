import { cleanup, fireEvent, render, screen, waitFor } from '@solidjs/testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { DeliveryBanner } from '../src/components/DeliveryBanner.js';
import type { DeliveryReport } from '../src/data/types.js';

afterEach(cleanup);

const SPOOL = '/home/dev/x-data/spool';
const OTHER = '/home/dev/.flightdeck/spool';

function report(ok: boolean): DeliveryReport {
  return {
    checkedAt: 1_700_000_000_000,
    spoolDir: SPOOL,
    dataDir: '/home/dev/x-data',
    ok,
    clis: [{ cli: 'claude', installed: true, deliversTo: [ok ? SPOOL : OTHER], deliversHere: ok }],
    misdirected: ok ? [] : ['claude'],
    foreignSpools: [],
    problems: ok ? [] : [`claude hooks deliver events to ${OTHER}, not to this server's spool (${SPOOL}).`],
    fix: ok
      ? null
      : { clis: ['claude'], commands: ['flightdeck hooks install --cli claude --data-dir /home/dev/x-data'] },
  };
}

describe('delivery banner', () => {
  it('says where the hooks deliver and fixes it in one step', async () => {
    const fixed: string[][] = [];
    const api = {
      deliveryStatus: async () => report(false),
      fixDelivery: async (clis: string[]) => {
        fixed.push(clis);
        return report(true);
      },
    };
    render(() => <DeliveryBanner api={api} />);
    const banner = await screen.findByTestId('delivery-banner');
    expect(banner.textContent).toContain(`claude hooks deliver events to ${OTHER}`);
    expect(banner.textContent).toContain('flightdeck hooks install --cli claude --data-dir /home/dev/x-data');
    fireEvent.click(screen.getByRole('button', { name: 'Fix' }));
    await waitFor(() => expect(screen.queryByTestId('delivery-banner')).toBeNull());
    expect(fixed).toEqual([['claude']]);
  });

  it('stays hidden when every hook delivers here, or without a data dir', async () => {
    let calls = 0;
    render(() => (
      <DeliveryBanner
        api={{
          deliveryStatus: async () => {
            calls++;
            return calls === 1 ? null : report(true);
          },
          fixDelivery: async () => null,
        }}
        pollMs={10}
      />
    ));
    await waitFor(() => expect(calls).toBeGreaterThan(2));
    expect(screen.queryByTestId('delivery-banner')).toBeNull();
  });

  it('shows why a fix failed', async () => {
    render(() => (
      <DeliveryBanner
        api={{
          deliveryStatus: async () => report(false),
          fixDelivery: async () => {
            throw new Error('settings.json is read-only');
          },
        }}
      />
    ));
    fireEvent.click(await screen.findByRole('button', { name: 'Fix' }));
    expect((await screen.findByText(/Fix failed/)).textContent).toContain('settings.json is read-only');
    expect(screen.getByTestId('delivery-banner')).toBeTruthy();
  });
});
