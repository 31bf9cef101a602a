// Hand repairs for documented response examples in the OpenAPI doc that are not valid JSON, so the
// conformance test can read them. Each entry names the list path, what is wrong, and the textual
// edits that make it parse (applied in order). Only edits, never the examples themselves.

export interface ExampleFix {
  path: string;
  problem: string;
  edits: Array<[pattern: RegExp | string, replacement: string]>;
}

const trailingCommas: [RegExp, string] = [/,(\s*[\]}])/g, '$1'];

export const OPENAPI_EXAMPLE_FIXES: ExampleFix[] = [
  {
    path: '/accounts',
    problem: 'each record writes its links map with array brackets around keyed entries',
    edits: [[/"links": \[([^\]]*)\]/g, '"links": {$1}']],
  },
  {
    path: '/activities',
    problem: 'keys are unquoted and one activityRecipients item lacks a closing brace',
    edits: [
      ['"4"\n  }],\n\tactivities', '"4"\n  }}],\n\tactivities'],
      [/([{,]\s*)([A-Za-z_][A-Za-z0-9_]*)\s*:/g, '$1"$2":'],
    ],
  },
  {
    path: '/dealActivities',
    problem: 'the opening brace of the response object is missing',
    edits: [[/^\s*"dealActivities"/, '{"dealActivities"']],
  },
  { path: '/ecomOrders', problem: 'trailing comma after the last order', edits: [trailingCommas] },
  { path: '/webhooks', problem: 'trailing comma after the last webhook', edits: [trailingCommas] },
  { path: '/eventTrackingEvents', problem: 'trailing comma inside meta', edits: [trailingCommas] },
];

export function repairExample(path: string, text: string): string {
  const fix = OPENAPI_EXAMPLE_FIXES.find((f) => f.path === path);
  if (!fix) return text;
  let out = text;
  for (const [pattern, replacement] of fix.edits) out = out.replace(pattern, replacement);
  return out;
}
