import type { PriceChoice } from './types.js';

/** Bounds on what one client remembers: model ids come from responses, so their variety is not ours to bound. */
const MAX_REMEMBERED = 1000;

/**
 * What one tracked client remembers about pricing: the price chosen for each pair of model ids
 * (without a resolver the choice depends on nothing else, so matching runs once per model, not
 * once per call), and the model ids whose missing cost the debug log has told already. Both
 * bounded; owned by the client's tracking state, never by its options.
 */
export class PricingState {
  private readonly choices = new Map<string, PriceChoice>();
  private readonly warned = new Set<string>();

  /** The price remembered for `models`, or the one `choose` gives (then remembered). */
  choice(models: readonly string[], choose: () => PriceChoice): PriceChoice {
    const key = models.join('\n');
    let choice = this.choices.get(key);
    if (choice === undefined) {
      if (this.choices.size >= MAX_REMEMBERED) this.choices.clear();
      choice = choose();
      this.choices.set(key, choice);
    }
    return choice;
  }

  /** True the first time a missing cost of `modelKey` is to be told, false after. */
  firstWarning(modelKey: string): boolean {
    if (this.warned.has(modelKey)) return false;
    if (this.warned.size < MAX_REMEMBERED) this.warned.add(modelKey);
    return true;
  }
}
