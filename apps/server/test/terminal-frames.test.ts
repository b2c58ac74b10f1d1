/**
 * Terminal output frames (terminals/frames.ts): the JSON of a frame is made once and every viewer's answer wraps
 * those bytes; what a viewer parses is exactly what JSON.stringify of the answer would have given (the fragments
 * on a real socket: terminals-flow.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { encodeAnswer, FramedAnswer, sharedFrame } from '../src/terminals/frames.js';

function answer(subscription: unknown, seq: string, data: unknown) {
  return { id: subscription, jsonrpc: '2.0', result: { type: 'data', id: seq, data: { id: seq, data } } };
}

describe('terminal frames', () => {
  it('one frame in the answers of two subscriptions: each parses to its own answer, text and escapes intact', () => {
    const frame = sharedFrame('\u001b[31mred\u001b[0m "quoted" \\ é 😀 \u0000\r\n');
    const wires = [answer(1, '42', frame), answer('sub-2', '42', frame)].map((a) => {
      const wire = encodeAnswer(a);
      expect(JSON.parse(String(wire))).toEqual(JSON.parse(JSON.stringify(a)));
      return wire as FramedAnswer;
    });
    // The frame's JSON was made once: both answers carry the very same bytes.
    expect(wires[0]).toBeInstanceOf(FramedAnswer);
    expect(wires[1]?.body).toBe(wires[0]?.body);
  });

  it('a subscription id that looks like the frame mark does not move the frame', () => {
    const frame = sharedFrame('output');
    const a = answer('\u0000frame\u0000', '7', frame);
    expect(JSON.parse(String(encodeAnswer(a)))).toEqual(JSON.parse(JSON.stringify(a)));
  });

  it('any other answer is plain JSON text', () => {
    const a = answer(3, '9', { type: 'data', data: 'not shared' });
    expect(encodeAnswer(a)).toBe(JSON.stringify(a));
    expect(encodeAnswer({ id: 4, result: { type: 'started' } })).toBe(
      JSON.stringify({ id: 4, result: { type: 'started' } }),
    );
  });
});
