/**
 * Message content given as parts (`[{ type: 'text', text: 'Hi' }]`) turned into one text: the texts
 * of the parts, in order, joined with a newline (as vLLM joins them). Only text parts are served
 * (`text` in chat messages, `input_text` / `output_text` in Responses input); any other part (images,
 * audio, files) is refused with a 400 naming the part, since the models here read text alone.
 *
 * @example
 *   contentText([{ type: 'text', text: 'Hi' }, { type: 'text', text: 'there' }], 'messages[0].content', ['text'])
 *   // → 'Hi\nthere'
 */
import { SchemaError } from '@specmesh/protocol';
import type { ContentPart } from './openai-schemas.js';

/** Joins the text parts of `content`; `param` names the field in errors. */
export function contentText(
  content: string | readonly ContentPart[],
  param: string,
  textTypes: readonly string[],
): string {
  if (typeof content === 'string') return content;
  const texts: string[] = [];
  content.forEach((part, i) => {
    if (!textTypes.includes(part.type)) {
      throw new SchemaError(
        `content part type '${part.type}' is not supported: this server reads text only (${textTypes.join(', ')})`,
        { context: { param: `${param}[${i}].type` } },
      );
    }
    if (part.text === undefined) {
      throw new SchemaError(`a '${part.type}' content part needs its text`, {
        context: { param: `${param}[${i}].text` },
      });
    }
    texts.push(part.text);
  });
  return texts.join('\n');
}
