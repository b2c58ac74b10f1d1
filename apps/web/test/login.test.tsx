import { cleanup, fireEvent, render, screen } from '@solidjs/testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { LoginView } from '../src/views/Login.js';

afterEach(cleanup);

const tick = () => new Promise((r) => setTimeout(r, 0));

describe('LoginView', () => {
  it('shows "Wrong password." when the server refuses, and clears the field', async () => {
    const tried: string[] = [];
    render(() => (
      <LoginView
        onLogin={async (pw) => {
          tried.push(pw);
          throw new Error('wrong password');
        }}
      />
    ));
    const input = screen.getByLabelText('Password') as HTMLInputElement;
    fireEvent.input(input, { target: { value: 'nope' } });
    fireEvent.submit(input.closest('form')!);
    await tick();
    expect(tried).toEqual(['nope']);
    expect(screen.getByRole('alert').textContent).toBe('Wrong password.');
    expect(input.value).toBe('');
  });

  it('disables the button until something is typed, and reports other errors as they are', async () => {
    render(() => (
      <LoginView
        onLogin={async () => {
          throw new Error('too many login attempts; wait a minute');
        }}
      />
    ));
    const button = screen.getByRole('button', { name: 'Sign in' }) as HTMLButtonElement;
    expect(button.disabled).toBe(true);
    const input = screen.getByLabelText('Password') as HTMLInputElement;
    fireEvent.input(input, { target: { value: 'x' } });
    expect(button.disabled).toBe(false);
    fireEvent.submit(input.closest('form')!);
    await tick();
    expect(screen.getByRole('alert').textContent).toContain('too many login attempts');
  });
});
