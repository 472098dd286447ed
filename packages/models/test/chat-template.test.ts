/**
 * Chat prompts rendered with the model's own template: a synthetic GGUF carries a ChatML-style
 * `tokenizer.chat_template`, and the prompt tokens equal node-llama-cpp's own rendering of that
 * template, with its turn markers tokenized as the control tokens they are.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChatMessage } from '@specmesh/protocol';
import { getLlama, JinjaTemplateChatWrapper, type LlamaModel as NativeModel } from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeSyntheticTarget } from '../src/gguf/synthetic-llama.js';
import { SYNTHETIC_BOS_ID, SYNTHETIC_EOS_ID } from '../src/gguf/synthetic-vocab.js';
import { SYNTHETIC_CHAT_TEMPLATE } from '../src/gguf/synthetic-weights.js';
import { chatHistoryOf } from '../src/llama/chat-render.js';
import { LlamaModel } from '../src/llama/llama-model.js';

let dir: string;
let model: LlamaModel;
let native: NativeModel;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'specmesh-chat-'));
  const path = join(dir, 't.gguf');
  await writeSyntheticTarget({ out: path, dim: 32, layers: 1, vocab: 400 });
  model = await LlamaModel.load({ modelPath: path }, true);
  const llama = await getLlama({ gpu: false, build: 'never' });
  native = await llama.loadModel({ modelPath: path, vocabOnly: true });
});

afterAll(async () => {
  await model?.close();
  await native?.dispose();
  await rm(dir, { recursive: true, force: true });
});

const messages: ChatMessage[] = [
  { role: 'system', content: 'be brief' },
  { role: 'user', content: 'hello there' },
  { role: 'assistant', content: 'hi' },
  { role: 'user', content: 'and <s> is just text here' },
];

describe('chat template', () => {
  it("renders a conversation as node-llama-cpp renders the model's template", () => {
    expect(model.chatTemplate).toEqual({ wrapper: 'JinjaTemplate' });
    const tokens = model.renderChat(messages);
    const wrapper = new JinjaTemplateChatWrapper({ template: SYNTHETIC_CHAT_TEMPLATE });
    const { contextText } = wrapper.generateContextState({ chatHistory: chatHistoryOf(messages) });
    expect(Array.from(tokens!)).toEqual(Array.from(contextText.tokenize(native.tokenizer)));
  });

  it('turn markers are control tokens; the same text inside a message is not', () => {
    const tokens = Array.from(model.renderChat(messages)!);
    // Four messages and the opened assistant turn: five BOS markers, four EOS markers.
    expect(tokens.filter((t) => t === SYNTHETIC_BOS_ID)).toHaveLength(5);
    expect(tokens.filter((t) => t === SYNTHETIC_EOS_ID)).toHaveLength(4);
    expect(tokens[0]).toBe(SYNTHETIC_BOS_ID);
    expect(model.detokenize(tokens)).toContain('and <s> is just text here');
    expect(model.detokenize(tokens.slice(-10))).toMatch(/assistant\n$/);
  });
});
