import { type JSX, onCleanup, onMount, Show } from 'solid-js';

export interface ConfirmDialogProps {
  open: boolean;
  title: string;
  message: JSX.Element;
  confirmLabel: string;
  danger?: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}

let dialogIds = 0;

/** On Tab, wraps the focus around the `selector` elements of `box` (a modal keeps the keyboard inside). */
export function keepTabInside(box: HTMLElement, e: KeyboardEvent, selector: string): void {
  if (e.key !== 'Tab') return;
  const focusable = [...box.querySelectorAll<HTMLElement>(selector)];
  const first = focusable[0];
  const last = focusable[focusable.length - 1];
  if (e.shiftKey && document.activeElement === first) {
    e.preventDefault();
    last?.focus();
  } else if (!e.shiftKey && document.activeElement === last) {
    e.preventDefault();
    first?.focus();
  }
}

function DialogBox(props: ConfirmDialogProps): JSX.Element {
  const id = `dialog-${++dialogIds}`;
  let cancelBtn: HTMLButtonElement | undefined;
  let box: HTMLDivElement | undefined;
  const previous = typeof document !== 'undefined' ? (document.activeElement as HTMLElement | null) : null;
  onMount(() => cancelBtn?.focus());
  onCleanup(() => previous?.focus?.());
  // Keep Tab inside the dialog; Esc cancels (and does not reach the page's own shortcuts).
  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      props.onCancel();
      return;
    }
    e.stopPropagation();
    if (box) keepTabInside(box, e, 'button:not([disabled])');
  };
  return (
    <div class="overlay">
      <div
        ref={box}
        class="dialog dialog--static"
        role="dialog"
        aria-modal="true"
        aria-labelledby={id}
        onKeyDown={onKeyDown}
      >
        <h2 id={id}>{props.title}</h2>
        <div class="dialog__body">{props.message}</div>
        <div class="dialog__actions">
          <button ref={cancelBtn} type="button" class="btn" onClick={() => props.onCancel()}>
            Cancel
          </button>
          <button
            type="button"
            class="btn"
            classList={{ 'btn--danger': props.danger === true, 'btn--primary': props.danger !== true }}
            onClick={() => props.onConfirm()}
          >
            {props.confirmLabel}
          </button>
        </div>
      </div>
    </div>
  );
}

/** A modal confirmation: focus moves into it, Tab stays inside, Esc or Cancel closes it. */
export function ConfirmDialog(props: ConfirmDialogProps): JSX.Element {
  return (
    <Show when={props.open}>
      <DialogBox {...props} />
    </Show>
  );
}
