/** Where conversation items leave the server: the one place a page is changed before it is sent. */
import type { ConversationPage } from '@flightdeck/shared-types';

/** What redacts a value (the server's ingest redaction, redaction.ts). */
export interface PageRedactor {
  value<T>(v: T): T;
}

/**
 * The page as it may be sent: a transcript is read from the agent's own file, not through ingest, so the secret
 * redaction applied to everything ingested (redaction.ts) runs here on every string of the page (text, thinking, tool
 * input and result, system lines).
 */
export function redactConversationPage(page: ConversationPage, redactor?: PageRedactor): ConversationPage {
  return redactor ? redactor.value(page) : page;
}
