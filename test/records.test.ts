import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { runInNewContext } from 'node:vm';
import { assignRecord, defineOwn, mergeRecords, setOwn } from '../src/records.js';

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

describe('setOwn and assignRecord: define, where assignment would set', () => {
  test('setOwn keeps an own "__proto__" key as a key; any other key is assigned', () => {
    const target: Record<string, unknown> = {};
    setOwn(target, '__proto__', { polluted: true });
    setOwn(target, 'model', 'gpt-4o');
    expect(Object.getPrototypeOf(target)).toBe(Object.prototype);
    expect(Object.keys(target)).toEqual(['__proto__', 'model']);
    expect(JSON.stringify(target)).toBe('{"__proto__":{"polluted":true},"model":"gpt-4o"}');
  });

  test('assignRecord onto an object with keys already: as Object.assign for ordinary sources, and as a spread for "__proto__"', () => {
    const parsed = JSON.parse('{"b":2,"__proto__":{"polluted":true}}') as Record<string, unknown>;
    const target: Record<string, unknown> = { a: 1, b: 0 };
    assignRecord(target, parsed);
    assignRecord(target, undefined);
    expect(Object.getPrototypeOf(target)).toBe(Object.prototype);
    expect(shape(target)).toStrictEqual(shape({ a: 1, b: 0, ...parsed }));
  });

  test('with a frozen Object.prototype (as some hardened runtimes have), keys it holds read-only are still copied', () => {
    // In a context of its own, so that freezing its Object.prototype touches nothing else.
    const source = [defineOwn, setOwn, assignRecord, mergeRecords].map(String).join('\n');
    const result = runInNewContext(
      `Object.freeze(Object.prototype);\n${source}\n` +
        'JSON.stringify(mergeRecords({ model: "m" }, { constructor: "c", toString: "t" }, JSON.parse(\'{"__proto__":1}\')))',
    );
    expect(JSON.parse(result)).toEqual(JSON.parse('{"model":"m","constructor":"c","toString":"t","__proto__":1}'));
  });
});
