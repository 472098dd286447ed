/**
 * A model whose steps each take one of the verifier's compute slots: a verifier that also drafts
 * (fused sessions) runs its draft model on the same hardware as its target, so drafting and
 * verification must share it. Without this, fused sessions would look free to a busy cloud.
 */
import type { LanguageModel } from '@specmesh/models';

export interface Slots {
  acquire(): Promise<void>;
  release(): void;
}

export function slotBoundModel(model: LanguageModel, slots: Slots): LanguageModel {
  const bound =
    <A extends unknown[], R>(fn: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      await slots.acquire();
      try {
        return await fn(...args);
      } finally {
        slots.release();
      }
    };
  return {
    info: model.info,
    tokenize: (text) => model.tokenize(text),
    ...(model.renderChat ? { renderChat: (messages) => model.renderChat?.(messages) } : {}),
    ...(model.chatTemplate ? { chatTemplate: model.chatTemplate } : {}),
    detokenize: (tokens) => model.detokenize(tokens),
    evaluate: bound(model.evaluate.bind(model)),
    predict: bound(model.predict.bind(model)),
    generate: bound(model.generate.bind(model)),
    held: (sessionId) => model.held(sessionId),
    truncate: (sessionId, length) => model.truncate(sessionId, length),
    release: (sessionId) => model.release(sessionId),
  };
}
