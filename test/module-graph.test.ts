import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';

// The source reads in one direction: from the client and the proxy through the call to the event
// and the sink (docs/development.md has the map). A cycle, even through a type-only import, means
// two modules that can't be read apart.

const SRC = path.resolve(__dirname, '../src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** Each module's local imports (type-only ones included), as paths relative to src/. */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles(SRC)) {
    const text = readFileSync(file, 'utf8');
    const imports = [...text.matchAll(/(?:import|export)\s[^;]*?from\s+'(\.{1,2}\/[^']+)'/g)].map((match) =>
      path.relative(SRC, path.resolve(path.dirname(file), match[1]!.replace(/\.js$/, '.ts'))),
    );
    graph.set(path.relative(SRC, file), imports);
  }
  return graph;
}

/** The cycles found by a depth-first walk, each as the path that closes it. */
function cyclesOf(graph: Map<string, string[]>): string[][] {
  const cycles: string[][] = [];
  const done = new Set<string>();
  const onPath: string[] = [];
  const visit = (module: string): void => {
    if (done.has(module)) return;
    const at = onPath.indexOf(module);
    if (at >= 0) {
      cycles.push([...onPath.slice(at), module]);
      return;
    }
    onPath.push(module);
    for (const imported of graph.get(module) ?? []) visit(imported);
    onPath.pop();
    done.add(module);
  };
  for (const module of graph.keys()) visit(module);
  return cycles;
}

describe('the import graph of src/', () => {
  test('every local import names a file that exists', () => {
    const graph = importGraph();
    const missing = [...graph].flatMap(([module, imports]) => imports.filter((imported) => !graph.has(imported)).map((imported) => `${module} → ${imported}`));
    expect(missing).toEqual([]);
  });

  test('has no cycles, type-only imports included', () => {
    expect(cyclesOf(importGraph()).map((cycle) => cycle.join(' → '))).toEqual([]);
  });
});
