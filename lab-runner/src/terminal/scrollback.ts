// The recent output of a shell, kept so a reconnecting browser sees what it missed. Bounded: the oldest
// chunks are dropped first.

export class Scrollback {
  private chunks: Buffer[] = [];
  private size = 0;

  constructor(private readonly capacity = 256 * 1024) {}

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.size > this.capacity && this.chunks.length > 1) this.size -= this.chunks.shift()!.length;
    if (this.size > this.capacity) {
      const only = this.chunks[0]!;
      this.chunks[0] = only.subarray(only.length - this.capacity);
      this.size = this.capacity;
    }
  }

  contents(): Buffer {
    return Buffer.concat(this.chunks, this.size);
  }

  get bytes(): number {
    return this.size;
  }
}
