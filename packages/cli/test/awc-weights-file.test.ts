import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { shippedAwcWeights } from '@specmesh/core';
import { ConfigError } from '@specmesh/protocol';
import { describe, expect, it } from 'vitest';
import { loadAwcWeightsFile } from '../src/awc/awc-weights-file.js';

describe('AWC weights files', () => {
  it('reads a weights file as trained (the shipped weights written out read back the same)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'awc-w-'));
    writeFileSync(join(dir, 'w.json'), JSON.stringify(shippedAwcWeights()));
    expect(loadAwcWeightsFile(join(dir, 'w.json'))).toEqual(shippedAwcWeights());
  });

  it('names the file when it cannot use it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'awc-w-'));
    expect(() => loadAwcWeightsFile(join(dir, 'missing.json'))).toThrow(ConfigError);
    expect(() => loadAwcWeightsFile(join(dir, 'missing.json'))).toThrow(/missing\.json/);
    writeFileSync(join(dir, 'bad.json'), '{ not json');
    expect(() => loadAwcWeightsFile(join(dir, 'bad.json'))).toThrow(/bad\.json is not JSON/);
    writeFileSync(join(dir, 'v2.json'), JSON.stringify({ version: 2 }));
    expect(() => loadAwcWeightsFile(join(dir, 'v2.json'))).toThrow(/version 2/);
  });
});
