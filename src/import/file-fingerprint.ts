import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';

/**
 * Bytes per block a tuple file is read in. Every read of the same bytes gives the same blocks (the
 * last one shorter), so the buffering pass can compare each block with the one the validation pass
 * read before it parses anything from it.
 */
export const FILE_BLOCK_BYTES = 256 * 1024;

/** Watches the bytes of a file as they are read (see {@link readFileBlocks}). */
export interface FileBlockTap {
  /** Each block, in order, before anything read from it is used; throwing stops the read. */
  block(bytes: Buffer): void;
  /** The end of the file, before the text after its last line break is used. */
  end(): void;
}

/** A file's blocks (FILE_BLOCK_BYTES each, the last one shorter), each shown to `tap` before it is yielded. */
export async function* readFileBlocks(path: string, tap?: FileBlockTap): AsyncGenerator<Buffer> {
  const handle = await open(path, 'r');
  try {
    for (;;) {
      const bytes = Buffer.allocUnsafe(FILE_BLOCK_BYTES);
      let filled = 0;
      while (filled < FILE_BLOCK_BYTES) {
        const { bytesRead } = await handle.read(bytes, filled, FILE_BLOCK_BYTES - filled, null);
        if (bytesRead === 0) break;
        filled += bytesRead;
      }
      if (filled > 0) {
        const block = filled < FILE_BLOCK_BYTES ? bytes.subarray(0, filled) : bytes;
        tap?.block(block);
        yield block;
      }
      if (filled < FILE_BLOCK_BYTES) break;
    }
    tap?.end();
  } finally {
    await handle.close();
  }
}

/** Where the bytes of the buffering pass first differ from those the validation pass read. */
export class FileChangedSignal extends Error {
  constructor(
    /** Offset of the first block that differs (or of the end, when the file got shorter or longer). */
    readonly offset: number,
  ) {
    super(`the file changed at byte ${offset}`);
  }
}

/**
 * The fingerprint of a file's bytes as the validation pass read them: the file's content hash (what
 * an interrupted import's place is kept under) and a digest per block. `verifier()` then checks a
 * second read block by block: it throws {@link FileChangedSignal} at the first block that differs,
 * before anything is parsed from it, so the buffering pass never uses a byte the validation pass did
 * not see (32 bytes kept per 256 KiB read: 128 KB for a 1 GB file).
 */
export class FileFingerprint implements FileBlockTap {
  private readonly whole = createHash('sha256');
  private readonly blocks: Buffer[] = [];
  private finished = false;
  private hex?: string;

  block(bytes: Buffer): void {
    this.whole.update(bytes);
    this.blocks.push(blockDigest(bytes));
  }

  end(): void {
    this.finished = true;
  }

  /** The content hash (the first 128 bits of its SHA-256, in hex); only once the whole file was read. */
  get hash(): string {
    if (!this.finished) throw new Error('the file was not read to its end');
    this.hex ??= this.whole.digest('hex').slice(0, 32);
    return this.hex;
  }

  /** A tap for a second read that throws FileChangedSignal where its bytes differ from this read's. */
  verifier(): FileBlockTap {
    let index = 0;
    return {
      block: (bytes) => {
        const expected = this.blocks[index];
        if (expected === undefined || !blockDigest(bytes).equals(expected)) throw new FileChangedSignal(index * FILE_BLOCK_BYTES);
        index++;
      },
      end: () => {
        if (index !== this.blocks.length) throw new FileChangedSignal(index * FILE_BLOCK_BYTES);
      },
    };
  }
}

function blockDigest(bytes: Buffer): Buffer {
  return createHash('sha256').update(bytes).digest();
}
