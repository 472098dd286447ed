/**
 * A GGUF model's own chat template (`tokenizer.chat_template`), resolved and rendered by
 * node-llama-cpp's chat wrappers, so a chat request's prompt is what the model was trained on: its
 * turn markers as the special tokens they are, BOS where the template puts it, ending with the
 * opening of the assistant's turn.
 */
import type { ChatMessage } from '@specmesh/protocol';
import type { ChatHistoryItem, ChatWrapper, LlamaModel as NativeModel } from 'node-llama-cpp';

/** How a model renders chat prompts, or why it cannot. */
export type ChatRendering =
  | { readonly kind: 'template'; readonly wrapper: ChatWrapper; readonly wrapperName: string }
  | { readonly kind: 'none'; readonly reason: string };

/**
 * Resolves the model's template with node-llama-cpp (`resolveChatWrapper`: a Jinja template, or the
 * specialised wrapper it is equivalent to). A model without a template, or with one node-llama-cpp
 * cannot run, gets `none`: no wrapper guessed from its name, since a guess may differ from the model's
 * own turn format.
 */
export async function resolveChatRendering(model: NativeModel): Promise<ChatRendering> {
  const template = model.fileInfo.metadata?.tokenizer?.chat_template;
  if (typeof template !== 'string' || template.length === 0) {
    return { kind: 'none', reason: 'the model file has no tokenizer.chat_template' };
  }
  const { resolveChatWrapper } = await import('node-llama-cpp');
  try {
    const wrapper = resolveChatWrapper(model, {
      warningLogs: false,
      fallbackToOtherWrappersOnJinjaError: false,
    });
    return { kind: 'template', wrapper, wrapperName: wrapper.wrapperName };
  } catch (err) {
    return { kind: 'none', reason: `node-llama-cpp cannot run its chat template: ${(err as Error).message}` };
  }
}

/** node-llama-cpp's chat history for `messages`, ending with the assistant's turn to come. */
export function chatHistoryOf(messages: readonly ChatMessage[]): ChatHistoryItem[] {
  const history: ChatHistoryItem[] = messages.map((m) => {
    if (m.role === 'system' || m.role === 'developer') return { type: 'system', text: m.content };
    if (m.role === 'assistant') return { type: 'model', response: [m.content] };
    return { type: 'user', text: m.content };
  });
  history.push({ type: 'model', response: [] });
  return history;
}

/** The prompt tokens of `messages` under the model's template (special tokens tokenized as such). */
export function renderChatTokens(
  model: NativeModel,
  wrapper: ChatWrapper,
  messages: readonly ChatMessage[],
): Uint32Array {
  const { contextText } = wrapper.generateContextState({ chatHistory: chatHistoryOf(messages) });
  return Uint32Array.from(contextText.tokenize(model.tokenizer) as unknown as number[]);
}
