/**
 * Turns chat messages into one prompt. A plain role-tagged transcript ending with the assistant's
 * turn: models without a chat template of their own (the emulated one, synthetic GGUFs) complete it.
 *
 * @example
 *   chatPrompt([{ role: 'user', content: 'Hi' }]) // → 'user: Hi\nassistant:'
 */
import type { ChatMessage } from './openai-schemas.js';

export function chatPrompt(messages: readonly ChatMessage[]): string {
  return `${messages.map((m) => `${m.role}: ${m.content}`).join('\n')}\nassistant:`;
}
