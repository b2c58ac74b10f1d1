import { createEffect, For, type JSX, on, Show } from 'solid-js';
import type { ApprovalsStore } from '../store/approvals.js';
import { ApprovalItem, ClosedNoticeView } from './Approval.js';

/** The header button: how many approvals wait, opening the tray. */
export function ApprovalTrayButton(props: { store: ApprovalsStore }): JSX.Element {
  const count = () => props.store.pending().length;
  return (
    <button
      type="button"
      class="btn btn--ghost tray-button"
      classList={{ 'tray-button--waiting': count() > 0 }}
      aria-expanded={props.store.trayOpen()}
      aria-controls="approvals-tray"
      aria-label={`Approvals: ${count()} waiting`}
      title="Pending approvals"
      data-testid="tray-button"
      data-loaded={props.store.loaded() ? 'true' : undefined}
      onClick={() => props.store.setTrayOpen(!props.store.trayOpen())}
    >
      <span aria-hidden="true">⚑</span>
      <span class="tray-button__label">Approvals</span>
      <Show when={count() > 0}>
        <span class="tray-button__count" data-testid="tray-count" aria-hidden="true">
          {count()}
        </span>
      </Show>
    </button>
  );
}

/** Moves the keyboard to the approval `id` in the tray (or the first one). */
export function focusApprovalIn(root: ParentNode | undefined, id: string | null): void {
  const items = [...(root?.querySelectorAll<HTMLElement>('.tray [data-approval-id]') ?? [])];
  const el = items.find((e) => e.dataset.approvalId === id) ?? items[0];
  // Already there (a click in its message field, on one of its buttons): leave the keyboard where it is.
  if (!el || el.contains(document.activeElement)) return;
  el.focus();
  el.scrollIntoView?.({ block: 'nearest' });
}

/**
 * Every pending approval, oldest first, reachable from every page. On a phone it is a full-width sheet at the
 * bottom of the screen with large buttons (one thumb).
 */
export function ApprovalTray(props: { store: ApprovalsStore; onOpenSession: (sessionId: string) => void }) {
  let panel: HTMLElement | undefined;
  // Opening the tray (or a notification naming an approval) puts the keyboard on that approval.
  createEffect(
    on(
      () => [props.store.trayOpen(), props.store.focused()] as const,
      ([open, id]) => {
        if (open) queueMicrotask(() => focusApprovalIn(panel, id));
      },
    ),
  );
  return (
    <Show when={props.store.trayOpen()}>
      <div class="tray-backdrop" aria-hidden="true" onClick={() => props.store.setTrayOpen(false)} />
      <aside
        ref={panel}
        id="approvals-tray"
        class="tray"
        aria-label="Pending approvals"
        data-testid="tray"
        onFocusIn={(e) => {
          const id = (e.target as HTMLElement).closest<HTMLElement>('[data-approval-id]')?.dataset.approvalId;
          if (id && id !== props.store.focused()) props.store.focus(id);
        }}
      >
        <header class="tray__head">
          <h2>
            Approvals <span class="muted">({props.store.pending().length} waiting)</span>
          </h2>
          <button
            type="button"
            class="btn btn--ghost btn--icon"
            aria-label="Close approvals"
            onClick={() => props.store.setTrayOpen(false)}
          >
            ✕
          </button>
        </header>
        <div class="tray__list">
          <For each={props.store.notices()}>
            {(n) => (
              <ClosedNoticeView
                approval={n.approval}
                text={n.text}
                onDismiss={() => props.store.dismiss(n.approval.id)}
              />
            )}
          </For>
          <Show when={props.store.pending().length === 0}>
            <p class="muted tray__empty">No agent is waiting for an approval.</p>
          </Show>
          <For each={props.store.pending()}>
            {(a) => (
              <ApprovalItem
                approval={a}
                store={props.store}
                showWhere
                focused={props.store.focused() === a.id}
                onOpenSession={(sid) => {
                  props.store.setTrayOpen(false);
                  props.onOpenSession(sid);
                }}
              />
            )}
          </For>
        </div>
        <p class="tray__keys muted small">
          <kbd>a</kbd> allow · <kbd>d</kbd> deny · <kbd>s</kbd> allow for session · <kbd>j</kbd>/<kbd>k</kbd>{' '}
          move · <kbd>Esc</kbd> close
        </p>
      </aside>
    </Show>
  );
}

/**
 * The shortcut keys on an approval: `a` allow, `d` deny, `s` allow for this session — they press that approval's
 * own button, so what a key does is what the button does (answers of a question, the typed deny message, disabled
 * while a decision is in flight).
 */
export const APPROVAL_KEYS: Record<string, string> = {
  a: '.btn--allow',
  d: '.btn--deny',
  s: '.btn--session',
};

export function pressApprovalKey(item: Element | null | undefined, key: string): boolean {
  const selector = APPROVAL_KEYS[key];
  const button = selector ? item?.querySelector<HTMLButtonElement>(selector) : null;
  if (!button || button.disabled) return false;
  button.click();
  return true;
}
