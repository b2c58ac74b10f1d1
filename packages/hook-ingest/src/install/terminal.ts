/**
 * Text from a user's file never reaches the terminal raw: control characters (ESC sequences could clear the
 * screen, retitle the window, or hide text) are written as visible escapes.
 */

/**
 * Escape every C0 control character except `\n` and `\t`, DEL, every C1 control (U+0080–U+009F, which some
 * terminals read as CSI and friends), and the lone surrogates that stand for bytes that are not UTF-8 (see
 * bytes.ts): `\x1b`, `\u007f`, `\u009b`, `\xe9`. DEL and C1 use `\u` so that JSON output stays valid JSON.
 */
export function escapeControls(text: string): string {
  return text.replace(
    // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
    /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]|(?<![\ud800-\udbff])[\udc80-\udcff]/g,
    (c) => {
      const code = c.charCodeAt(0);
      if (code >= 0xdc80) return `\\x${(code - 0xdc00).toString(16).padStart(2, '0')}`;
      if (code >= 0x7f) return `\\u${code.toString(16).padStart(4, '0')}`;
      return `\\x${code.toString(16).padStart(2, '0')}`;
    },
  );
}
