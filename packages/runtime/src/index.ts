export type {
  ConnectionEvent,
  HandleOptions,
  Handler,
  HandlerContext,
  Reply,
  RequestManyOptions,
  RequestOptions,
} from './actor.js';
export { Actor } from './actor.js';
export type { ActorConfig, ActorOptions } from './actor-options.js';
export { RUNTIME_VERSION, resolveActorOptions } from './actor-options.js';
export { DelayProxy, type DelayProxyOptions, type DelayProxyStats } from './delay-proxy.js';
export type { EchoProcessOptions } from './echo-process.js';
export { runEchoProcess } from './echo-process.js';
export type { EchoServiceOptions } from './echo-service.js';
export { serveEcho } from './echo-service.js';
export { freePort } from './free-port.js';
export type { Logger, LoggerSettings } from './logger.js';
export { createLogger } from './logger.js';
export type { Member, MembershipEvent, MembershipOptions } from './membership.js';
export { isOwnHeartbeat, MembershipView } from './membership.js';
export { RuntimeMetrics, toWireFamilies } from './metrics.js';
export type { MetricsEndpoint, MetricsEndpointOptions } from './metrics-endpoint.js';
export { serveMetrics } from './metrics-endpoint.js';
export type { Account, AccountLink, AccountUser } from './nats-accounts.js';
export { envNameOf, renderAccounts } from './nats-accounts.js';
export { connectionsNamed, untilConnections } from './nats-monitor.js';
export type {
  NatsClusterHandle,
  NatsClusterOptions,
  NatsServerHandle,
  NatsServerOptions,
} from './nats-server.js';
export {
  findNatsServer,
  NATS_SERVER_INSTALL_HINT,
  startNatsCluster,
  startNatsServer,
} from './nats-server.js';
export type { CertFiles, PrivateCaFiles, PrivateCaOptions } from './private-ca.js';
export { makePrivateCa } from './private-ca.js';
export { type MuxRequestOptions, RequestMux } from './request-mux.js';
export { RttMonitor } from './rtt-monitor.js';
export type { Drainable, ShutdownOptions } from './shutdown.js';
export { installGracefulShutdown, SUPERVISOR_PID_ENV } from './shutdown.js';
export { awaitPromotion, isStandby, reportStarted, STANDBY_ENV } from './standby.js';
export { machineLoadFactor, STARTUP_TIMEOUT_ENV, startupDeadlineMs } from './startup-deadline.js';
export type { ChildSpec, ChildStatus, SupervisorEvent, SupervisorOptions } from './supervisor.js';
export { Supervisor } from './supervisor.js';
export { isTraceId, newTraceId, TRACEPARENT_HEADER, traceIdOf, traceparent } from './trace-context.js';
