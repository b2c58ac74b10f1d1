import { For, type JSX } from 'solid-js';

export const SHORTCUTS: Array<[string, string]> = [
  ['j / ↓ / →', 'Next session'],
  ['k / ↑ / ←', 'Previous session'],
  ['Enter', 'Open the selected session'],
  ['n', 'Jump to the next session that needs you'],
  ['/', 'Search'],
  ['g b · g h · g t · g a · g s', 'Board · History · Terminals · Analytics · Settings'],
  ['a · d · s', 'Allow · Deny · Allow for this session: the focused approval (approvals tray, session page)'],
  ['j / k (tray)', 'Next · previous approval in the approvals tray'],
  ['?', 'Show this help'],
  ['Esc', 'Close / back (closes the approvals tray first)'],
  [
    'Ctrl+Shift+C · Ctrl+Shift+V',
    'Copy the selection · paste, in a terminal (every other key goes to the terminal)',
  ],
];

export function HelpDialog(props: { onClose: () => void }): JSX.Element {
  return (
    <div class="overlay">
      <div class="dialog dialog--static" role="dialog" aria-modal="true" aria-labelledby="help-title">
        <h2 id="help-title">Keyboard shortcuts</h2>
        <dl class="shortcuts">
          <For each={SHORTCUTS}>
            {([k, v]) => (
              <>
                <dt>
                  <kbd>{k}</kbd>
                </dt>
                <dd>{v}</dd>
              </>
            )}
          </For>
        </dl>
        <div class="dialog__actions">
          <button type="button" class="btn btn--primary" onClick={() => props.onClose()}>
            Close
          </button>
        </div>
      </div>
    </div>
  );
}
