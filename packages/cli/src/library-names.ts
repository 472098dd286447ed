/**
 * Names the help text shows that belong to libraries help must not load (loading @specmesh/sim or
 * @specmesh/models costs more than all of `--help` may take): the planner's model presets and the
 * synthetic GGUF presets and weight types. The libraries stay the authority on values; a test checks
 * these lists against them.
 */

/** Target presets of `specmesh plan --target-model` (@specmesh/sim TARGET_PRESETS). */
export const TARGET_PRESET_NAMES: readonly string[] = ['7b', '14b', 'dsi-online', 'emulated'];

/** Drafter presets of `specmesh plan --drafter-model` (@specmesh/sim DRAFTER_PRESETS). */
export const DRAFTER_PRESET_NAMES: readonly string[] = ['small', 'dsi-online', 'emulated'];

/** Synthetic GGUF presets and what each makes (@specmesh/models SYNTHETIC_PRESETS). */
export const SYNTHETIC_PRESET_DESCRIPTIONS: Readonly<Record<string, string>> = {
  tiny: 'target dim 64, 2 layers, vocab 512, f32; drafter dim 64, 1 layer, agreement 0.8',
  demo: 'target dim 512, 8 layers, vocab 2048, f32 (~110 MB); drafter dim 128, 1 layer, agreement 0.8',
};

/** Weight storage types of the synthetic GGUF writer (@specmesh/models SYNTHETIC_WEIGHT_TYPES). */
export const SYNTHETIC_WEIGHT_TYPE_NAMES: readonly string[] = ['f32', 'f16', 'q8_0'];
