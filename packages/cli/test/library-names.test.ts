/** The names help shows without loading the libraries are the libraries' own (library-names.ts). */
import { SYNTHETIC_PRESETS, SYNTHETIC_WEIGHT_TYPES } from '@specmesh/models';
import { DRAFTER_PRESETS, TARGET_PRESETS } from '@specmesh/sim';
import { describe, expect, it } from 'vitest';
import {
  DRAFTER_PRESET_NAMES,
  SYNTHETIC_PRESET_DESCRIPTIONS,
  SYNTHETIC_WEIGHT_TYPE_NAMES,
  TARGET_PRESET_NAMES,
} from '../src/library-names.js';

describe('library names in help', () => {
  it('match the planner presets and the synthetic GGUF presets and weight types', () => {
    expect(TARGET_PRESET_NAMES).toEqual(Object.keys(TARGET_PRESETS));
    expect(DRAFTER_PRESET_NAMES).toEqual(Object.keys(DRAFTER_PRESETS));
    expect(SYNTHETIC_PRESET_DESCRIPTIONS).toEqual(
      Object.fromEntries(Object.entries(SYNTHETIC_PRESETS).map(([k, p]) => [k, p.description])),
    );
    expect(SYNTHETIC_WEIGHT_TYPE_NAMES).toEqual(SYNTHETIC_WEIGHT_TYPES);
  });
});
