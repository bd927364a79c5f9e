import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { mergeRecords } from '../src/records.js';

/** Everything a copy can differ in: own keys in order (symbols too), values, the prototype. */
function shape(value: object) {
  return {
    keys: Reflect.ownKeys(value),
    values: Reflect.ownKeys(value).map((key) => (value as Record<PropertyKey, unknown>)[key]),
    prototype: Object.getPrototypeOf(value),
  };
}

describe('mergeRecords: the same as a spread, made faster', () => {
  test('random records: same keys in the same order, same values, later sources winning', () => {
    const record = fc.option(fc.dictionary(fc.constantFrom('a', 'b', 'model', 'stream', '__proto__', 'constructor', '1', '0'), fc.anything()), {
      nil: undefined,
    });
    fc.assert(
      fc.property(record, record, record, (a, b, c) => {
        expect(shape(mergeRecords(a, b, c))).toStrictEqual(shape({ ...a, ...b, ...c }));
      }),
      { numRuns: 300 },
    );
  });

  test('an own "__proto__" key (as JSON.parse makes it) is copied as a key and never sets the prototype', () => {
    const parsed = JSON.parse('{"a":1,"__proto__":{"polluted":true}}') as Record<string, unknown>;
    const merged = mergeRecords<unknown>({ z: 0 }, parsed, { b: 2 });
    expect(Object.getPrototypeOf(merged)).toBe(Object.prototype);
    expect((merged as { polluted?: unknown }).polluted).toBeUndefined();
    expect(Object.keys(merged)).toEqual(['z', 'a', '__proto__', 'b']);
    expect(shape(merged)).toStrictEqual(shape({ z: 0, ...parsed, b: 2 }));
  });

  test('symbol keys and getters are copied as a spread copies them; null and undefined are skipped; the sources are untouched', () => {
    const tag = Symbol('tag');
    let reads = 0;
    const withGetter = {
      get computed() {
        reads += 1;
        return 'value';
      },
      [tag]: 'symbol',
    };
    const merged = mergeRecords(null, withGetter, undefined);
    expect(reads).toBe(1);
    expect(Object.getOwnPropertyDescriptor(merged, 'computed')).toMatchObject({ value: 'value', writable: true, enumerable: true });
    expect(merged[tag as unknown as string]).toBe('symbol');
    expect(Object.keys(withGetter)).toEqual(['computed']);
  });
});
