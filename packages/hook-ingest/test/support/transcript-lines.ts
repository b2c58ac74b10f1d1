/** Lines of a Claude Code transcript as 2.1.328 writes them, for tests (shape of the recorded fixtures). */

/** Tokens of a response: input, output, cache read, 5-minute and 1-hour cache writes. */
export interface LineUsage {
  in: number;
  out: number;
  cr?: number;
  m5?: number;
  h1?: number;
}

/** An assistant line (one per content block of a message, each with the usage so far), with its newline. */
export function assistantLine(id: string, u: LineUsage, model: string, at = new Date()): string {
  return `${JSON.stringify({
    type: 'assistant',
    isSidechain: false,
    uuid: `u-${id}-${u.out}`,
    timestamp: at.toISOString(),
    requestId: `req_${id}`,
    message: {
      id,
      model,
      role: 'assistant',
      content: [{ type: 'text', text: `answer ${id}` }],
      usage: {
        input_tokens: u.in,
        output_tokens: u.out,
        cache_read_input_tokens: u.cr ?? 0,
        cache_creation_input_tokens: (u.h1 ?? 0) + (u.m5 ?? 0),
        cache_creation: { ephemeral_1h_input_tokens: u.h1 ?? 0, ephemeral_5m_input_tokens: u.m5 ?? 0 },
      },
    },
  })}\n`;
}
