/** Fragments per block: large enough that a block is one string of a few KB, small enough that fragments die young. */
const BLOCK = 256;

/**
 * The fragments of one streamed text, joined once when the text is read. Every {@link BLOCK}
 * fragments are joined into one string as they come: a long stream keeps a few hundred strings
 * alive rather than one per chunk, and each fragment is let go while it is still young (kept to
 * the end, every one of them would be copied into the old generation by the garbage collector).
 * Total work stays linear: each fragment is copied twice at most.
 */
export class TextParts {
  private readonly blocks: string[] = [];
  private readonly recent: string[] = [];

  push(fragment: string): void {
    this.recent.push(fragment);
    if (this.recent.length === BLOCK) {
      this.blocks.push(this.recent.join(''));
      this.recent.length = 0;
    }
  }

  get isEmpty(): boolean {
    return this.blocks.length === 0 && this.recent.length === 0;
  }

  /** The text so far. */
  text(): string {
    const tail = this.recent.join('');
    return this.blocks.length === 0 ? tail : this.blocks.join('') + tail;
  }
}
