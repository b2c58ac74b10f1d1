/**
 * Lossless text for settings files that may hold bytes that are not UTF-8 (a Latin-1 `é`, a truncated sequence).
 *
 * Valid UTF-8 decodes as usual, so keys, values and our own (possibly non-ASCII) paths compare as text. Each byte
 * that is not part of a valid UTF-8 sequence becomes a lone low surrogate U+DC80+byte (like Python's
 * "surrogateescape"); valid UTF-8 never yields a lone surrogate, so encoding turns exactly those back into their
 * bytes. `encodeLossless(decodeLossless(b))` equals `b` for every byte string, and bytes we did not edit are
 * written back as they were.
 */

/** Length of the valid UTF-8 sequence starting at `i`, or 0 when the byte there does not start one. */
function sequenceLength(buf: Uint8Array, i: number): number {
  const b0 = buf[i]!;
  if (b0 < 0x80) return 1;
  const cont = (k: number) => {
    const b = buf[i + k];
    return b !== undefined && (b & 0xc0) === 0x80;
  };
  if (b0 >= 0xc2 && b0 <= 0xdf) return cont(1) ? 2 : 0;
  if (b0 >= 0xe0 && b0 <= 0xef) {
    const b1 = buf[i + 1] ?? 0;
    if (b0 === 0xe0 && b1 < 0xa0) return 0; // overlong
    if (b0 === 0xed && b1 >= 0xa0) return 0; // UTF-16 surrogates are not UTF-8
    return cont(1) && cont(2) ? 3 : 0;
  }
  if (b0 >= 0xf0 && b0 <= 0xf4) {
    const b1 = buf[i + 1] ?? 0;
    if (b0 === 0xf0 && b1 < 0x90) return 0; // overlong
    if (b0 === 0xf4 && b1 >= 0x90) return 0; // beyond U+10FFFF
    return cont(1) && cont(2) && cont(3) ? 4 : 0;
  }
  return 0;
}

export function decodeLossless(buf: Uint8Array): string {
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  let out = '';
  let runStart = 0;
  let i = 0;
  const flush = (end: number) => {
    if (end > runStart) out += decoder.decode(buf.subarray(runStart, end));
  };
  while (i < buf.length) {
    const n = sequenceLength(buf, i);
    if (n > 0) {
      i += n;
      continue;
    }
    flush(i);
    out += String.fromCharCode(0xdc00 + buf[i]!);
    i++;
    runStart = i;
  }
  flush(buf.length);
  return out;
}

export function encodeLossless(text: string): Buffer {
  const parts: Buffer[] = [];
  let runStart = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xdc80 && c <= 0xdcff) {
      const prev = i > 0 ? text.charCodeAt(i - 1) : 0;
      if (prev >= 0xd800 && prev <= 0xdbff && i - 1 >= runStart) continue; // the low half of a pair
      parts.push(Buffer.from(text.slice(runStart, i), 'utf8'), Buffer.from([c - 0xdc00]));
      runStart = i + 1;
    }
  }
  parts.push(Buffer.from(text.slice(runStart), 'utf8'));
  return Buffer.concat(parts);
}
