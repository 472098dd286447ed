/** Maps errors of the NATS client onto specmesh's typed errors. */
import {
  ClosedConnectionError,
  DrainingConnectionError,
  errors as natsErrors,
  RequestError,
  TimeoutError,
} from '@nats-io/transport-node';
import {
  asSpecmeshError,
  ConnectionError,
  DeadlineError,
  NoRespondersError,
  SpecmeshError,
} from '@specmesh/protocol';

function isNoResponders(err: unknown): boolean {
  return (
    err instanceof natsErrors.NoRespondersError ||
    (err instanceof RequestError && err.isNoResponders()) ||
    (err instanceof Error && err.cause instanceof natsErrors.NoRespondersError)
  );
}

/** A request or flush the client library failed because its connection dropped (it reconnects). */
function isDisconnected(err: unknown): boolean {
  return err instanceof RequestError && !err.isNoResponders() && err.message === 'connection disconnected';
}

/** Turns a failure of `nc.request` into a typed error naming the subject and deadline. */
export function mapRequestError(err: unknown, subject: string, timeoutMs: number): SpecmeshError {
  if (err instanceof SpecmeshError) return err;
  if (isNoResponders(err)) {
    return new NoRespondersError(`no responders on ${subject}`, { cause: err, context: { subject } });
  }
  if (err instanceof TimeoutError || (err instanceof Error && err.cause instanceof TimeoutError)) {
    return new DeadlineError(`no reply on ${subject} within ${timeoutMs} ms`, {
      cause: err,
      context: { subject, timeoutMs },
    });
  }
  if (isDisconnected(err)) {
    return new ConnectionError(`NATS connection dropped under the request on ${subject}`, {
      cause: err,
      context: { subject },
    });
  }
  if (err instanceof ClosedConnectionError || err instanceof DrainingConnectionError) {
    return new ConnectionError(`NATS connection is closed or draining (request on ${subject})`, {
      cause: err,
      context: { subject },
    });
  }
  return asSpecmeshError(err);
}
