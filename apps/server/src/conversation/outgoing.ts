/** Where conversation items leave the server: the one place a page is changed before it is sent. */
import type { ConversationPage } from '@flightdeck/shared-types';

/**
 * The page as it may be sent. Identity for now; the secret redaction done at ingest (issue 17, "data kept safely")
 * applies here too once it lands: one call on each item's text, tool input and result.
 */
export function redactConversationPage(page: ConversationPage): ConversationPage {
  return page;
}
