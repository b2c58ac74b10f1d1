import { createSignal, type JSX, Show } from 'solid-js';

export function LoginView(props: { onLogin: (password: string) => Promise<void> }): JSX.Element {
  const [pw, setPw] = createSignal('');
  const [error, setError] = createSignal<string | null>(null);
  const [busy, setBusy] = createSignal(false);
  return (
    <main class="login">
      <form
        class="login__box panel"
        onSubmit={async (e) => {
          e.preventDefault();
          setBusy(true);
          setError(null);
          try {
            await props.onLogin(pw());
          } catch (err) {
            const msg = err instanceof Error ? err.message : String(err);
            setError(/wrong password|UNAUTHORIZED/i.test(msg) ? 'Wrong password.' : msg);
            setPw('');
          } finally {
            setBusy(false);
          }
        }}
      >
        <h1>
          <span class="logo" aria-hidden="true" /> Flightdeck
        </h1>
        <p class="muted">This dashboard is protected by a password.</p>
        <label for="login-password">Password</label>
        <input
          id="login-password"
          name="password"
          type="password"
          autocomplete="current-password"
          value={pw()}
          onInput={(e) => setPw(e.currentTarget.value)}
          ref={(el) => queueMicrotask(() => el.focus())}
          required
        />
        <Show when={error()}>
          <p class="error" role="alert" data-testid="login-error">
            {error()}
          </p>
        </Show>
        <button type="submit" class="btn btn--primary" disabled={busy() || !pw()}>
          {busy() ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
