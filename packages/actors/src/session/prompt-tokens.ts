/**
 * A session's prompt as token ids. A chat request (`messages`) on a model with its own chat template
 * is rendered through it, where the tokenizer lives, so turn markers are the special tokens the model
 * knows; otherwise the prompt is `prompt` (the plain transcript for chat requests), with BOS first when
 * the model adds one.
 */
import type { LanguageModel } from '@specmesh/models';
import type { BodyOf } from '@specmesh/protocol';
import type { Logger } from '@specmesh/runtime';

/** Models already reported as lacking a usable template: the fallback is said once per model. */
const reported = new WeakSet<object>();

export function promptTokensOf(
  start: Pick<BodyOf<'session.start'>, 'prompt' | 'messages'>,
  model: LanguageModel,
  log: Logger,
): Uint32Array {
  if (start.messages && model.renderChat) {
    try {
      const rendered = model.renderChat(start.messages);
      if (rendered) return rendered;
      if (!reported.has(model)) {
        reported.add(model);
        const why =
          model.chatTemplate && 'none' in model.chatTemplate ? model.chatTemplate.none : 'no template';
        log.warn(
          { model: model.info.name, why },
          'chat requests use the plain transcript: the model has no usable chat template',
        );
      }
    } catch (err) {
      // A template may refuse a conversation (raise_exception, e.g. roles that do not alternate).
      log.warn(
        { model: model.info.name, err: (err as Error).message },
        'chat template failed: plain transcript used',
      );
    }
  }
  const p = start.prompt;
  if (typeof p !== 'string') return p;
  const tokens = model.tokenize(p);
  if (model.info.addBos === false) return tokens;
  const out = new Uint32Array(tokens.length + 1);
  out[0] = model.info.bosId;
  out.set(tokens, 1);
  return out;
}
