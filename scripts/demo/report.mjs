// Prints what PostHog received, as the demo and offline.mjs show it: one row per event, then
// totals per model, per user and per feature. Reads the events as posthog-node sends them
// ({ event, distinct_id, properties }).

const CALL_EVENTS = new Set(['$ai_generation', '$ai_embedding']);

function table(columns, rows) {
  const cells = rows.map((row) => columns.map((column) => String(row[column.key] ?? '')));
  const widths = columns.map((column, index) => Math.max(column.title.length, ...cells.map((row) => row[index].length)));
  const line = (values) =>
    values
      .map((value, index) => (columns[index].right ? value.padStart(widths[index]) : value.padEnd(widths[index])))
      .join('  ')
      .trimEnd();
  return [line(columns.map((column) => column.title)), line(widths.map((width) => '-'.repeat(width))), ...cells.map(line)].join('\n');
}

/** Dollars with enough decimals for a fraction of a cent: $0.000018, $0.00000018. */
const usd = (value) => (value === 0 ? '$0' : `$${value.toFixed(value >= 0.0001 ? 6 : 10).replace(/0+$/, '')}`);
const short = (id) => (typeof id === 'string' ? id.slice(0, 8) : '');

function userOf(event) {
  return event.properties?.$process_person_profile === false ? '(anonymous)' : event.distinct_id;
}

function costOf(properties) {
  if (typeof properties.$ai_total_cost_usd === 'number') return usd(properties.$ai_total_cost_usd);
  if (properties.$ai_cost_unknown_reason) return `unknown (${properties.$ai_cost_unknown_reason})`;
  return '';
}

function noteOf(properties) {
  const notes = [];
  if (properties.$ai_is_error) notes.push(`error ${properties.$ai_http_status ?? ''}`.trim());
  if (properties.$ai_stream) notes.push(`stream ${properties.$ai_stream_ending ?? ''}`.trim());
  if (properties.$ai_background_ending) notes.push(`background, end ${properties.$ai_background_ending.replace('_', ' ')}`);
  if (typeof properties.image_count === 'number') notes.push(`${properties.image_count} image${properties.image_count === 1 ? '' : 's'}`);
  if (typeof properties.audio_seconds === 'number') notes.push(`${properties.audio_seconds} s of audio`);
  if (typeof properties.input_characters === 'number') notes.push(`${properties.input_characters} characters`);
  if (Array.isArray(properties.$ai_output_choices) && properties.$ai_output_choices.some((choice) => choice?.tool_calls || choice?.type === 'function_call')) {
    notes.push('tool call');
  }
  return notes.join(', ');
}

/** One row per event PostHog received. */
export function formatEvents(events) {
  const withSource = events.some((event) => event.source);
  const rows = events.map((event, index) => {
    const p = event.properties ?? {};
    const call = CALL_EVENTS.has(event.event);
    return {
      n: index + 1,
      source: event.source,
      event: event.event,
      model: call ? p.$ai_model : p.$ai_span_name ? `"${p.$ai_span_name}"` : '',
      user: userOf(event),
      feature: p.feature ?? '',
      tokens: call ? `${p.$ai_input_tokens ?? '-'} / ${p.$ai_output_tokens ?? '-'}` : '',
      cost: call ? costOf(p) : '',
      latency: typeof p.$ai_latency === 'number' ? `${p.$ai_latency.toFixed(3)} s` : '',
      trace: short(p.$ai_trace_id),
      note: noteOf(p),
    };
  });
  const columns = [
    { key: 'n', title: '#', right: true },
    ...(withSource ? [{ key: 'source', title: 'example' }] : []),
    { key: 'event', title: 'event' },
    { key: 'model', title: 'model (or span)' },
    { key: 'user', title: 'user' },
    { key: 'feature', title: 'feature' },
    { key: 'tokens', title: 'tokens in / out', right: true },
    { key: 'cost', title: 'cost', right: true },
    { key: 'latency', title: 'latency', right: true },
    { key: 'trace', title: 'trace' },
    { key: 'note', title: 'note' },
  ];
  return table(columns, rows);
}

/** Calls, errors, tokens and cost of the LLM calls (generations and embeddings), grouped by `keyOf`. */
export function totalsBy(events, keyOf) {
  const groups = new Map();
  for (const event of events) {
    if (!CALL_EVENTS.has(event.event)) continue;
    const p = event.properties ?? {};
    const key = keyOf(event) ?? '(none)';
    const group = groups.get(key) ?? { key, calls: 0, errors: 0, input: 0, output: 0, cost: 0, unpriced: 0 };
    group.calls += 1;
    if (p.$ai_is_error) group.errors += 1;
    group.input += p.$ai_input_tokens ?? 0;
    group.output += p.$ai_output_tokens ?? 0;
    if (typeof p.$ai_total_cost_usd === 'number') group.cost += p.$ai_total_cost_usd;
    else if (p.$ai_cost_unknown_reason) group.unpriced += 1;
    groups.set(key, group);
  }
  return [...groups.values()];
}

function formatTotals(title, groups) {
  const rows = groups.map((group) => ({
    ...group,
    cost: usd(group.cost) + (group.unpriced ? ` (+${group.unpriced} without a price)` : ''),
  }));
  return table(
    [
      { key: 'key', title },
      { key: 'calls', title: 'calls', right: true },
      { key: 'errors', title: 'errors', right: true },
      { key: 'input', title: 'input tokens', right: true },
      { key: 'output', title: 'output tokens', right: true },
      { key: 'cost', title: 'cost' },
    ],
    rows,
  );
}

/** The events, then totals per model, user and feature: the demo's report. */
export function formatReport(events) {
  if (events.length === 0) return '(no events)';
  return [
    formatEvents(events),
    '',
    'Totals per model:',
    formatTotals('model', totalsBy(events, (event) => event.properties?.$ai_model)),
    '',
    'Totals per user:',
    formatTotals('user', totalsBy(events, userOf)),
    '',
    'Totals per feature:',
    formatTotals('feature', totalsBy(events, (event) => event.properties?.feature)),
  ].join('\n');
}
