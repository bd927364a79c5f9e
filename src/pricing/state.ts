import type { PriceChoice, PricingProvider } from './types.js';

/** Bounds on what one client remembers: model ids come from responses, so their variety is not ours to bound. */
const MAX_REMEMBERED = 1000;

/**
 * What one tracked client remembers about pricing: the price chosen for each provider and pair of
 * model ids (without a resolver the choice depends on nothing else, so matching runs once per
 * model, not once per call), and the model ids whose missing cost the debug log has told already.
 * Both bounded; owned by the client's tracking state, never by its options.
 */
export class PricingState {
  /**
   * Provider → first model id → second model id (or '') → price. Looked up by the strings a call
   * already has, never by a key made for each call: a new string is hashed on every look-up.
   */
  private choices = new WeakMap<PricingProvider, Map<string, Map<string, PriceChoice>>>();
  private remembered = 0;
  private readonly warned = new Set<string>();

  /** The price remembered for `models` (one or two ids, as `PriceRequest` has them) at `provider`, or the one `choose` gives (then remembered). */
  choice(provider: PricingProvider, models: readonly string[], choose: () => PriceChoice): PriceChoice {
    const first = models[0] ?? '';
    const second = models[1] ?? '';
    let byFirst = this.choices.get(provider);
    let bySecond = byFirst?.get(first);
    let choice = bySecond?.get(second);
    if (choice !== undefined) return choice;
    choice = choose();
    if (this.remembered >= MAX_REMEMBERED) {
      this.choices = new WeakMap();
      this.remembered = 0;
      byFirst = undefined;
      bySecond = undefined;
    }
    if (!byFirst) this.choices.set(provider, (byFirst = new Map()));
    if (!bySecond) byFirst.set(first, (bySecond = new Map()));
    bySecond.set(second, choice);
    this.remembered += 1;
    return choice;
  }

  /** True the first time a missing cost of `modelKey` is to be told, false after. */
  firstWarning(modelKey: string): boolean {
    if (this.warned.has(modelKey)) return false;
    if (this.warned.size < MAX_REMEMBERED) this.warned.add(modelKey);
    return true;
  }
}
