/**
 * Turns chat messages into one prompt: a plain role-tagged transcript ending with the assistant's
 * turn. It travels as the submit's `prompt`, next to the messages themselves: a host whose model has
 * a chat template of its own (a GGUF's `tokenizer.chat_template`) renders the messages through it, and
 * models without one (the emulated ones) and hosts older than protocol 1.4 complete this transcript.
 *
 * @example
 *   chatPrompt([{ role: 'user', content: 'Hi' }]) // → 'user: Hi\nassistant:'
 */
import type { ChatMessage } from './openai-schemas.js';

export function chatPrompt(messages: readonly ChatMessage[]): string {
  return `${messages.map((m) => `${m.role}: ${m.content}`).join('\n')}\nassistant:`;
}
