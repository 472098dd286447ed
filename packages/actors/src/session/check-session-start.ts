/**
 * What a session host checks in a `session.start` before it accepts the session, beyond the schema
 * the codec already checked: facts only this host knows (its model's vocabulary) or that the schema
 * leaves open (the token subject is free text there).
 */
import { assertSubjectToken, type BodyOf, TokenOutOfRangeError } from '@specmesh/protocol';

/**
 * @throws TokenOutOfRangeError when a prompt or resumed token id is not below `vocabSize`: the drafter
 *   would draft on it and every verifier would refuse each task, so the request fails now, with the
 *   client's own error, instead of on its token stream.
 * @throws SubjectError when `tokenSubject` is not a valid literal subject: a space makes every publish
 *   of the session throw (in a timer or a promise, where nothing catches it), a wildcard is refused by
 *   the server, so no token would ever reach the client.
 */
export function checkSessionStart(start: BodyOf<'session.start'>, vocabSize: number): void {
  for (const part of start.tokenSubject.split('.')) assertSubjectToken(part, 'token subject part');
  const check = (tokens: Uint32Array, where: string) => {
    for (let i = 0; i < tokens.length; i++) {
      if (tokens[i]! >= vocabSize) {
        throw new TokenOutOfRangeError(
          `${where} token ${tokens[i]} at position ${i} is outside the vocabulary (${vocabSize})`,
          { context: { requestId: start.requestId, position: i, token: tokens[i]!, vocabSize } },
        );
      }
    }
  };
  if (typeof start.prompt !== 'string') check(start.prompt, 'prompt');
  if (start.resume) check(start.resume.committed, 'resumed');
}
