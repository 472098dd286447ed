import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, ErrorCode } from '@specmesh/protocol';
import { describe, expect, it, vi } from 'vitest';
import yargs, { type CommandModule } from 'yargs';
import { runCli } from '../src/cli.js';
import {
  CONFIG_KEYS,
  CONNECTION_KEYS,
  type ConfigKey,
  configPathOf,
  ENV_SETTINGS,
  parseConfigText,
  readEnvLayer,
  resolveLayers,
  withConfig,
} from '../src/config/index.js';
import { withConnectionOptions } from '../src/connection-options.js';

function dir(files: Record<string, string> = {}): string {
  const d = mkdtempSync(join(tmpdir(), 'specmesh-config-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(d, name), text);
  return d;
}

/** Parses `argv` through a probe command wired exactly like the real ones; returns the settings it saw. */
async function probe(argv: string[], env: NodeJS.ProcessEnv, cwd: string, only?: readonly ConfigKey[]) {
  const seen: Record<string, unknown> = {};
  const cmd: CommandModule = {
    command: 'probe',
    describe: 'probe',
    builder: (y) =>
      withConnectionOptions(y)
        .option('pool', { type: 'string', default: 'default' })
        .option('heartbeat-ms', { type: 'number', default: 1000 }),
    handler: (a) => {
      Object.assign(seen, { nats: a['nats'], prefix: a['prefix'], pool: a['pool'], hb: a['heartbeatMs'] });
    },
  };
  const { layer } = await resolveLayers(argv, env, cwd);
  await yargs(argv)
    .command(withConfig(cmd, layer, only))
    .option('config', { type: 'string', global: true })
    .strict()
    .fail((msg, err) => {
      throw err ?? new Error(msg);
    })
    .exitProcess(false)
    .parseAsync();
  return seen;
}

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('settings precedence: flag > env > file > default', () => {
  const file = 'nats: nats://file:4222\nprefix: fromfile\npool: filepool\nheartbeat-ms: 300\n';

  it('takes the default when nothing else is set', async () => {
    expect(await probe(['probe'], {}, dir())).toEqual({
      nats: undefined,
      prefix: 'specmesh',
      pool: 'default',
      hb: 1000,
    });
  });

  it('takes ./specmesh.yaml over the default', async () => {
    expect(await probe(['probe'], {}, dir({ 'specmesh.yaml': file }))).toEqual({
      nats: ['nats://file:4222'],
      prefix: 'fromfile',
      pool: 'filepool',
      hb: 300,
    });
  });

  it('takes SPECMESH_* over the file', async () => {
    const env = { SPECMESH_NATS: 'nats://env-a:4222,nats://env-b:4222', SPECMESH_POOL: 'envpool' };
    expect(await probe(['probe'], env, dir({ 'specmesh.yaml': file }))).toEqual({
      nats: ['nats://env-a:4222', 'nats://env-b:4222'],
      prefix: 'fromfile',
      pool: 'envpool',
      hb: 300,
    });
  });

  it('takes a flag over everything', async () => {
    const env = { SPECMESH_POOL: 'envpool', SPECMESH_HEARTBEAT_MS: '400' };
    const seen = await probe(
      ['probe', '--pool', 'flagpool', '--nats', 'nats://flag:1', '--heartbeat-ms', '50'],
      env,
      dir({ 'specmesh.yaml': file }),
    );
    expect(seen).toEqual({ nats: ['nats://flag:1'], prefix: 'fromfile', pool: 'flagpool', hb: 50 });
  });

  it('reads the file named by --config, then SPECMESH_CONFIG, then ./specmesh.yaml', () => {
    const d = dir({ 'specmesh.yaml': '', 'a.yaml': '', 'b.yaml': '' });
    expect(configPathOf(['x', '--config', 'a.yaml'], { SPECMESH_CONFIG: 'b.yaml' }, d)).toBe(
      join(d, 'a.yaml'),
    );
    expect(configPathOf(['x', '--config=a.yaml'], {}, d)).toBe(join(d, 'a.yaml'));
    expect(configPathOf(['x'], { SPECMESH_CONFIG: 'b.yaml' }, d)).toBe(join(d, 'b.yaml'));
    expect(configPathOf(['x'], {}, d)).toBe(join(d, 'specmesh.yaml'));
    expect(configPathOf(['x'], {}, dir())).toBeUndefined();
  });

  it('gives commands with flags of their own (bench) only the connection settings', async () => {
    const d = dir({ 'specmesh.yaml': 'nats: nats://file:4222\npool: p1\nheartbeat-ms: 5\n' });
    expect(await probe(['probe', '--heartbeat-ms', '-1'], {}, d, CONNECTION_KEYS)).toEqual({
      nats: ['nats://file:4222'],
      prefix: 'specmesh',
      pool: 'default',
      hb: -1,
    });
  });

  it('passes a key to a command only if the command has that flag (one file serves every command)', async () => {
    // role is a `node` setting; the probe has no --role, and strict parsing must not see it.
    const d = dir({ 'specmesh.yaml': 'role: verifier\npool: p1\n' });
    expect((await probe(['probe'], {}, d))['pool']).toBe('p1');
  });
});

describe('the environment mapping is explicit', () => {
  it('ignores SPECMESH_ variables it does not map (e.g. the nats-server binary, a cache folder)', () => {
    expect(
      readEnvLayer({
        SPECMESH_NATS_SERVER: '/usr/sbin/nats-server',
        SPECMESH_CACHE_DIR: '/tmp/x',
        SPECMESH_FOO: '1',
      }),
    ).toEqual({});
  });

  it('maps every listed variable to a real setting', () => {
    for (const [name, [key]] of Object.entries(ENV_SETTINGS)) {
      expect(name.startsWith('SPECMESH_')).toBe(true);
      expect(CONFIG_KEYS).toContain(key);
    }
  });

  it('treats an empty variable as unset', () => {
    expect(readEnvLayer({ SPECMESH_POOL: '' })).toEqual({});
  });

  it('reads the served model names as a comma-separated list', () => {
    expect(readEnvLayer({ SPECMESH_SERVED_MODEL_NAME: 'specmesh, specmesh-large' })).toEqual({
      'served-model-name': ['specmesh', 'specmesh-large'],
    });
  });
});

describe('every invalid value is a ConfigError naming where it came from', () => {
  const badFile: Array<[string, RegExp]> = [
    ['nats: http://x:1', /nats: invalid value .*nats:\/\/host:port/],
    ['nats: []', /nats: invalid value/],
    ['prefix: "a..b"', /prefix: invalid value/],
    ['log-level: loud', /log-level: invalid value "loud".*one of fatal, error/],
    ['role: oracle', /role: invalid value "oracle".*one of scheduler/],
    ['name: "a b"', /name: invalid value "a b"/],
    ['pool: "x.y"', /pool: invalid value "x.y"/],
    ['heartbeat-ms: 0', /heartbeat-ms: invalid value 0/],
    ['heartbeat-ms: "fast"', /heartbeat-ms: invalid value "fast"/],
    ['port: 70000', /port: invalid value 70000/],
    ['agreement: 1.5', /agreement: invalid value 1.5/],
    ['backend: gpu', /backend: invalid value "gpu".*emulated, llama/],
    ['model-threads: 1.5', /model-threads: invalid value 1.5/],
    ['window-ms: -1', /window-ms: invalid value -1/],
    ['warm-spare: sometimes', /warm-spare: invalid value "sometimes"/],
    ['colour: blue', /unknown setting "colour"; known settings: nats, prefix/],
    ['- a\n- b', /expected a map of settings/],
    ['nats: [unclosed', /not valid YAML/],
  ];
  it.each(badFile)('file %j', (text, message) => {
    const err = configError(() => parseConfigText(text, 'specmesh.yaml'));
    expect(err.code).toBe(ErrorCode.Config);
    expect(err.message).toMatch(/^specmesh\.yaml: /);
    expect(err.message).toMatch(message);
  });

  const badEnv: Array<[string, string]> = [
    ['SPECMESH_NATS', 'localhost:4222'],
    ['SPECMESH_PREFIX', 'a b'],
    ['SPECMESH_LOG_LEVEL', 'chatty'],
    ['SPECMESH_ROLE', 'boss'],
    ['SPECMESH_NAME', 'x*'],
    ['SPECMESH_POOL', 'p>'],
    ['SPECMESH_HEARTBEAT_MS', '1e3'],
    ['SPECMESH_BACKEND', 'cuda'],
    ['SPECMESH_MODEL_THREADS', '0'],
    ['SPECMESH_PORT', '99999'],
  ];
  it.each(badEnv)('env %s=%s', (name, value) => {
    const err = configError(() => readEnvLayer({ [name]: value }));
    expect(err.message).toMatch(new RegExp(`^${name}: invalid value`));
  });

  it('a named config file that does not exist', () => {
    expect(configError(() => configPathOf(['--config', 'nope.yaml'], {}, dir())).message).toMatch(
      /nope\.yaml does not exist/,
    );
  });

  it('accepts a valid file with every kind of value', () => {
    const layer = parseConfigText(
      'nats: [nats://a:4222, tls://b:4222]\nprefix: acme.prod\nlog-level: info\nrole: verifier\nname: v-1\npool: gpu-a\nheartbeat-ms: 500\nbackend: emulated\nagreement: 0.7\nuser: verifier\npassword: s3cret\n',
      'f.yaml',
    );
    expect(layer).toMatchObject({
      nats: ['nats://a:4222', 'tls://b:4222'],
      prefix: 'acme.prod',
      agreement: 0.7,
    });
  });

  it('takes warm-spare from the file (a supervised node without a spare)', () => {
    expect(parseConfigText('warm-spare: false\n', 'f.yaml')).toEqual({ 'warm-spare': false });
  });
});

describe('runCli exit codes and messages for bad settings', () => {
  async function run(argv: string[], env: NodeJS.ProcessEnv = {}, cwd = dir()) {
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const code = await runCli(argv, env, cwd);
      return { code, stderr: err.mock.calls.map((c) => String(c[0])).join('') };
    } finally {
      err.mockRestore();
    }
  }

  it('exits 2 naming the flag', async () => {
    const r = await run(['node', '--role', 'echo', '--nats', 'nats://127.0.0.1:1', '--heartbeat-ms', '-5']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/specmesh: E_CONFIG: --heartbeat-ms: invalid value -5/);
  });

  it('exits 2 naming a non-numeric flag', async () => {
    const r = await run(['status', '--nats', 'nats://127.0.0.1:1', '--listen-ms', 'soon']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--listen-ms: expected a number/);
  });

  it('exits 2 naming the variable', async () => {
    const r = await run(['status'], { SPECMESH_NATS: 'nowhere' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/E_CONFIG: SPECMESH_NATS: invalid value \["nowhere"\]/);
  });

  it('exits 2 naming the file and key', async () => {
    const cwd = dir({ 'specmesh.yaml': 'pool: 3\n' });
    const r = await run(['status'], {}, cwd);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/specmesh\.yaml: pool: invalid value 3/);
  });

  it('exits 2 when a command that needs the cluster has no --nats anywhere', async () => {
    const r = await run(['drain', 'verifier-1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/needs --nats <url> \(or SPECMESH_NATS, or nats: in specmesh\.yaml\)/);
  });

  it('exits 2 for credentials that do not go together, naming the flag', async () => {
    const r = await run(['status', '--nats', 'nats://127.0.0.1:1', '--password', 'x']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--password needs --user/);
    const t = await run(['status', '--nats', 'nats://127.0.0.1:1', '--tls-ca', '/nonexistent/ca.pem']);
    expect(t.code).toBe(2);
    expect(t.stderr).toMatch(/--tls-ca: cannot read \/nonexistent\/ca\.pem/);
  });

  it('exits 4 when NATS cannot be reached', async () => {
    const r = await run(['status', '--nats', 'nats://127.0.0.1:1', '--listen-ms', '100']);
    expect(r.code).toBe(4);
  });
});
