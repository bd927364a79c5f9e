/**
 * CI check: the committed price table is exactly what `npm run prices:update` generates from the
 * installed @pydantic/genai-prices and scripts/prices-supplement.json (offline: nothing is fetched).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderPriceTable, TABLE_PATH } from '../scripts/update-prices.mjs';

describe('src/pricing/prices.ts', () => {
  it('is what scripts/update-prices.mjs generates (run `npm run prices:update` after changing its inputs)', () => {
    const generated = (renderPriceTable as () => string)();
    expect(readFileSync(TABLE_PATH as string, 'utf8') === generated).toBe(true);
  });
});
