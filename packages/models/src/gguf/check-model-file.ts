/**
 * `checkModelFile`: the quick, no-load check run before handing a GGUF file to node-llama-cpp, whose own
 * failures on a bad file are vague ("failed to load model") or, for a truncated file, can come late.
 * Reads only the header; verifies the data section is long enough for every tensor and that the
 * architecture is one we run.
 */
import { metadataArray, metadataNumber, metadataString, readGgufHeader } from './gguf-reader.js';
import { GGML_TYPE_SIZES, ggmlTensorBytes } from './gguf-types.js';
import { modelFileError } from './model-file-error.js';

/**
 * Architectures accepted by {@link checkModelFile}: llama and a few common families whose names
 * appear in node-llama-cpp 3.22.1's bundled libllama (checked in the binary's strings), i.e. that it
 * can load on CPU. Only `llama` is exercised by our tests. Anything else is refused up front rather than
 * risking an obscure load failure inside a worker thread.
 */
export const SUPPORTED_ARCHITECTURES: readonly string[] = [
  'llama',
  'qwen2',
  'qwen3',
  'gemma2',
  'gemma3',
  'phi3',
  'mistral3',
];

/** llama.cpp's `general.file_type` ids (LLAMA_FTYPE_*) for the common ones, to print a name. */
const FILE_TYPE_NAMES: Readonly<Record<number, string>> = {
  0: 'F32',
  1: 'F16',
  2: 'Q4_0',
  3: 'Q4_1',
  7: 'Q8_0',
  8: 'Q5_0',
  9: 'Q5_1',
  10: 'Q2_K',
  11: 'Q3_K_S',
  12: 'Q3_K_M',
  13: 'Q3_K_L',
  14: 'Q4_K_S',
  15: 'Q4_K_M',
  16: 'Q5_K_S',
  17: 'Q5_K_M',
  18: 'Q6_K',
  32: 'BF16',
};

/** What {@link checkModelFile} learned about a good file. */
export interface ModelFileSummary {
  readonly path: string;
  /** `general.architecture`, e.g. `llama`. */
  readonly architecture: string;
  /** `general.name`, or undefined when absent. */
  readonly name: string | undefined;
  /** `<arch>.vocab_size`, else the length of `tokenizer.ggml.tokens`, else undefined. */
  readonly vocabSize: number | undefined;
  /** `<arch>.context_length` (the training context), or undefined when absent. */
  readonly contextLength: number | undefined;
  readonly tensorCount: number;
  /** `general.file_type` (0 F32, 1 F16, 7 Q8_0, ...), or undefined when absent. */
  readonly fileType: number | undefined;
  /** A readable name for `fileType` (`F32`, `Q8_0`, ...) or `unknown`. */
  readonly fileTypeName: string;
  readonly ggufVersion: number;
  /** File size in bytes. */
  readonly sizeBytes: number;
  /** `tokenizer.chat_template`: the model's own chat template (Jinja), or undefined when absent. */
  readonly chatTemplate: string | undefined;
}

/**
 * Checks that `path` is a complete GGUF v2/v3 model file of a supported architecture and summarises it.
 * Throws `ModelFileError` (code E_MODEL_FILE, context `{ path, problem }`) naming the file and the
 * problem: missing, unreadable, empty, bad-magic, unsupported-version, truncated, malformed,
 * unsupported-tensor-type or unsupported-architecture.
 */
export async function checkModelFile(path: string): Promise<ModelFileSummary> {
  const header = await readGgufHeader(path);
  const { metadata } = header;
  const architecture = metadataString(metadata, 'general.architecture');
  if (architecture === undefined) throw modelFileError(path, 'malformed', 'no general.architecture string');
  if (!SUPPORTED_ARCHITECTURES.includes(architecture)) {
    throw modelFileError(
      path,
      'unsupported-architecture',
      `architecture "${architecture}" is not supported (supported: ${SUPPORTED_ARCHITECTURES.join(', ')})`,
    );
  }
  let dataEnd = header.dataOffset;
  for (const t of header.tensors) {
    const size = GGML_TYPE_SIZES.get(t.type);
    if (!size)
      throw modelFileError(path, 'unsupported-tensor-type', `tensor ${t.name} has unknown type id ${t.type}`);
    if (t.dims[0]! % size.block !== 0) {
      throw modelFileError(
        path,
        'malformed',
        `tensor ${t.name}: dim ${t.dims[0]} is not a multiple of ${size.block}`,
      );
    }
    dataEnd = Math.max(dataEnd, header.dataOffset + t.offset + ggmlTensorBytes(t.type, t.dims)!);
  }
  // The writer pads the data section to the alignment, but llama.cpp only needs the tensor bytes.
  if (dataEnd > header.fileSize) {
    throw modelFileError(
      path,
      'truncated',
      `the tensors need ${dataEnd} bytes but the file has ${header.fileSize} (${dataEnd - header.fileSize} missing)`,
    );
  }
  const fileType = metadataNumber(metadata, 'general.file_type');
  return {
    path,
    architecture,
    name: metadataString(metadata, 'general.name'),
    vocabSize:
      metadataNumber(metadata, `${architecture}.vocab_size`) ??
      metadataArray(metadata, 'tokenizer.ggml.tokens', 'string')?.length,
    contextLength: metadataNumber(metadata, `${architecture}.context_length`),
    tensorCount: header.tensors.length,
    fileType,
    fileTypeName: fileType === undefined ? 'unknown' : (FILE_TYPE_NAMES[fileType] ?? 'unknown'),
    ggufVersion: header.version,
    sizeBytes: header.fileSize,
    chatTemplate: metadataString(metadata, 'tokenizer.chat_template'),
  };
}
