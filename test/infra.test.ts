/**
 * The deployment files of infra/ are checked as far as this machine allows: nats-server itself
 * validates every NATS configuration (`nats-server -t`); the role configs pass the CLI's own config
 * validation; the compose file and the Kubernetes manifests are parsed and checked for the things
 * that break deployments (unknown roles, missing probes, dangling references, bad settings). Images
 * cannot be pulled here and `docker compose` is not installed, so nothing is run in containers.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findNatsServer, makePrivateCa } from '@specmesh/runtime';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { parseConfigText, readEnvLayer } from '../packages/cli/src/config/index.js';

// biome-ignore lint/suspicious/noExplicitAny: parsed manifests are checked field by field below
type Manifest = Record<string, any>;

const INFRA = fileURLToPath(new URL('../infra/', import.meta.url));
const ROLES = ['scheduler', 'batcher', 'verifier', 'drafter', 'gateway'];
const read = (p: string) => readFileSync(join(INFRA, p), 'utf8');
const PASSWORDS = Object.fromEntries(
  read('nats/nats.env.example')
    .split('\n')
    .filter((l) => /^SPECMESH_\w+=/.test(l))
    .map((l) => l.split('=') as [string, string]),
);

describe('infra/nats', () => {
  // The shipped configurations require TLS: certificates as `specmesh certs` makes them.
  const certs = makePrivateCa({ dir: mkdtempSync(join(tmpdir(), 'specmesh-infra-tls-')), hosts: ['nats-1'] });
  const tlsEnv = {
    SPECMESH_NATS_TLS_CERT: certs.server.cert,
    SPECMESH_NATS_TLS_KEY: certs.server.key,
    SPECMESH_NATS_TLS_CA: certs.ca.cert,
  };
  const cases: Array<[string, Record<string, string>]> = [
    ['cloud.conf', { SPECMESH_NATS_NAME: 'nats-1' }],
    ['edge-leaf.conf', { SPECMESH_EDGE_NAME: 'edge-1' }],
    ['local-auth.conf', {}],
    ['local.conf', {}],
  ];
  it.each(cases)('nats-server -t accepts %s', (file, env) => {
    const r = spawnSync(findNatsServer(), ['-t', '-c', join(INFRA, 'nats', file)], {
      encoding: 'utf8',
      env: { ...process.env, ...PASSWORDS, ...tlsEnv, ...env },
    });
    expect(r.stderr + r.stdout).toMatch(/is valid/);
    expect(r.status).toBe(0);
  });

  it('keeps JetStream off (specmesh keeps no streams)', () => {
    for (const f of ['cloud.conf', 'edge-leaf.conf', 'local-auth.conf'])
      expect(read(`nats/${f}`)).not.toMatch(/^\s*jetstream/m);
  });

  it('grants each Helm role user the permissions of an instance of accounts.conf, any id', () => {
    const conf = read('nats/accounts.conf');
    const fromConf = new Map<string, string>();
    for (const m of conf.matchAll(
      /user: ([\w-]+), password[^\n]*\n\s*permissions: \{\n\s*publish: \{ allow: (\[[^\]]*\]) \}\n\s*subscribe: \{ allow: (\[[^\]]*\]) \}/g,
    ))
      fromConf.set(m[1]!, `${m[2]} ${m[3]}`);
    // A Deployment's pods are replicas of one role: its user is an instance's, with the id a wildcard.
    const instanceOf: Record<string, [string, string]> = {
      scheduler: ['scheduler-1', 'scheduler-1'],
      batcher: ['batcher-1', 'batcher-1'],
      verifier: ['verifier-1', 'verifier-1'],
      drafter: ['drafter-1', 'drafter-1'],
      gateway: ['gateway-1', 'gateway-1'],
      leaf: ['leaf', 'edge-drafter-1'],
    };
    const expected = new Map<string, string>();
    for (const [user, [instance, id]] of Object.entries(instanceOf))
      expected.set(user, fromConf.get(instance)!.replaceAll(id, '*'));
    expected.set('operator', fromConf.get('operator')!);
    type HelmAccount = {
      users: Array<{
        user: string;
        permissions?: { publish: { allow: string[] }; subscribe: { allow: string[] } };
      }>;
      exports?: Array<{ stream?: string; service?: string; accounts: string[] }>;
      imports?: Array<{
        stream?: { account: string; subject: string };
        service?: { account: string; subject: string };
      }>;
    };
    const values = parseYaml(read('k8s/nats-values.yaml')) as {
      config: { merge: { accounts: Record<string, HelmAccount> } };
    };
    const fromHelm = new Map<string, string>();
    for (const account of Object.values(values.config.merge.accounts))
      for (const u of account.users)
        if (u.permissions)
          fromHelm.set(
            u.user,
            `${JSON.stringify(u.permissions.publish.allow).replaceAll(',', ', ')} ${JSON.stringify(u.permissions.subscribe.allow).replaceAll(',', ', ')}`,
          );
    expect(fromConf.size).toBe(10);
    expect(fromHelm).toEqual(expected);

    // The edge site's account: what crosses between it and the cloud's, with the drafter id `*`.
    const site = conf.slice(conf.indexOf('EDGE_LEAF {'));
    // The site's exports (to the cloud) and its imports, which are the cloud's exports to it.
    const siteExports = [...site.matchAll(/\{(stream|service): "([^"]+)", accounts: \[(\w+)\]\}/g)].map(
      (m) => `${m[1]} ${m[2]!.replaceAll('edge-drafter-1', '*')} to ${m[3]}`,
    );
    const siteImports = [
      ...site.matchAll(/\{(stream|service): \{account: (\w+), subject: "([^"]+)"\}\}/g),
    ].map((m) => `${m[1]} ${m[3]!.replaceAll('edge-drafter-1', '*')} to EDGE`);
    const helmLinks: string[] = [];
    for (const account of Object.values(values.config.merge.accounts))
      for (const e of account.exports ?? [])
        for (const to of e.accounts)
          helmLinks.push(`${e.stream ? 'stream' : 'service'} ${e.stream ?? e.service} to ${to}`);
    expect(siteExports.length).toBeGreaterThan(0);
    expect(helmLinks.sort()).toEqual([...siteExports, ...siteImports].sort());
    for (const [name, account] of Object.entries(values.config.merge.accounts)) {
      const from = name === 'EDGE' ? 'SPECMESH' : 'EDGE';
      const imported = (account.imports ?? []).map(
        (i) =>
          `${i.stream ? 'stream' : 'service'} ${(i.stream ?? i.service)!.subject} from ${(i.stream ?? i.service)!.account}`,
      );
      const exportedToMe = helmLinks
        .filter((l) => l.endsWith(` to ${name}`))
        .map((l) => l.replace(/ to \w+$/, ` from ${from}`));
      expect(imported.sort(), `${name} imports what the other account exports to it`).toEqual(
        exportedToMe.sort(),
      );
    }
  });
});

describe('infra/config', () => {
  it.each(ROLES)('%s.yaml passes the CLI config validation and names its role', (role) => {
    const layer = parseConfigText(read(`config/${role}.yaml`), `${role}.yaml`);
    expect(layer.role).toBe(role);
    // One NATS user per instance: the example file is the first instance's.
    expect(layer.user).toBe(`${role}-1`);
  });
});

describe('infra/systemd', () => {
  it('the node template runs `specmesh node --config` per instance and keeps a config error down', () => {
    const unit = read('systemd/specmesh@.service');
    expect(unit).toMatch(/^ExecStart=\/usr\/bin\/specmesh node --config \/etc\/specmesh\/%i\.yaml$/m);
    expect(unit).toMatch(/^RestartPreventExitStatus=2$/m);
    expect(unit).toMatch(/^KillSignal=SIGTERM$/m);
  });
});

describe('infra/compose/compose.yaml', () => {
  const file = join(INFRA, 'compose/compose.yaml');
  const doc = parseYaml(readFileSync(file, 'utf8'), { merge: true }) as {
    services: Record<
      string,
      {
        image?: string;
        command?: string[];
        environment?: Record<string, string>;
        depends_on?: Record<string, unknown>;
        volumes?: string[];
      }
    >;
  };

  it('is validated by `docker compose config` where docker compose exists', (ctx) => {
    const probe = spawnSync('docker', ['compose', 'version'], { encoding: 'utf8' });
    if (probe.status !== 0) {
      ctx.skip();
      return;
    }
    const r = spawnSync(
      'docker',
      ['compose', '--env-file', join(INFRA, 'nats/nats.env.example'), '-f', file, 'config', '-q'],
      {
        encoding: 'utf8',
      },
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('has 3 nats servers and every role, each with an image, valid settings and existing dependencies', () => {
    const names = Object.keys(doc.services);
    expect(names.filter((n) => n.startsWith('nats-'))).toEqual(['nats-1', 'nats-2', 'nats-3']);
    const roles = new Set<string>();
    for (const [name, s] of Object.entries(doc.services)) {
      expect(s.image, name).toBeTruthy();
      for (const dep of Object.keys(s.depends_on ?? {}))
        expect(names, `${name} depends on ${dep}`).toContain(dep);
      for (const v of s.volumes ?? []) {
        const source = v.split(':')[0]!;
        // tls/ is made by the command the file's header gives; everything else ships.
        if (source.startsWith('./tls'))
          expect(readFileSync(file, 'utf8')).toMatch(/specmesh certs --out infra\/compose\/tls/);
        else expect(existsSync(resolve(dirname(file), source)), v).toBe(true);
      }
      if (s.command?.[0] === 'node') {
        const role = s.command[s.command.indexOf('--role') + 1]!;
        expect(ROLES).toContain(role);
        roles.add(role);
        // Interpolated passwords stand in as placeholders here; the rest must be valid settings.
        const env = Object.fromEntries(
          Object.entries(s.environment ?? {}).map(([k, v]) => [k, v.replace(/\$\{[^}]+\}/g, 'x')]),
        );
        expect(() => readEnvLayer(env)).not.toThrow();
        // Each instance logs in as the user of its own id (`specmesh creds`).
        expect(env['SPECMESH_USER']).toBe(s.command[s.command.indexOf('--name') + 1]);
      }
    }
    expect([...roles].sort()).toEqual([...ROLES].sort());
  });
});

describe('infra/k8s', () => {
  const docs = readdirSync(join(INFRA, 'k8s'))
    .filter((f) => f.endsWith('.yaml') && f !== 'nats-values.yaml')
    .flatMap((f) => parseAllDocuments(read(`k8s/${f}`)).map((d) => ({ file: f, obj: d.toJS() as Manifest })));
  const secret = docs.find((d) => d.obj['kind'] === 'Secret')!.obj;
  const configMap = docs.find((d) => d.obj['kind'] === 'ConfigMap')!.obj;

  it('has one Deployment per role, each probed, with its own NATS user from the Secret', () => {
    const deployments = docs.filter((d) => d.obj['kind'] === 'Deployment');
    expect(deployments.map((d) => d.obj['metadata'].name).sort()).toEqual(
      ROLES.map((r) => `specmesh-${r}`).sort(),
    );
    for (const { obj } of deployments) {
      const c = obj['spec'].template.spec.containers[0];
      const role = c.args[c.args.indexOf('--role') + 1];
      expect(ROLES).toContain(role);
      expect(obj['spec'].selector.matchLabels).toEqual(obj['spec'].template.metadata.labels);
      expect(c.readinessProbe, role).toBeTruthy();
      expect(c.livenessProbe, role).toBeTruthy();
      if (role === 'gateway') expect(c.readinessProbe.httpGet.path).toBe('/health');
      else
        expect(c.readinessProbe.exec.command.join(' ')).toMatch(
          /specmesh status --id "\$SPECMESH_NAME" --expect 1/,
        );
      const user = c.env.find((e: { name: string }) => e.name === 'SPECMESH_USER').value;
      expect(user).toBe(role);
      const key = c.env.find((e: { name: string }) => e.name === 'SPECMESH_PASSWORD').valueFrom.secretKeyRef
        .key;
      expect(Object.keys(secret['stringData'])).toContain(key);
    }
  });

  it('shares a specmesh.yaml that passes the CLI config validation', () => {
    const layer = parseConfigText(configMap['data']['specmesh.yaml'], 'specmesh.yaml');
    expect(layer.nats).toEqual(['nats://nats.specmesh.svc:4222']);
  });

  it('gives the NATS Helm chart a routed 3-server cluster with leaf nodes and no JetStream', () => {
    const v = parseYaml(read('k8s/nats-values.yaml')) as { config: Manifest };
    expect(v.config['cluster']).toMatchObject({ enabled: true, replicas: 3 });
    expect(v.config['jetstream'].enabled).toBe(false);
    expect(v.config['leafnodes'].enabled).toBe(true);
  });
});
