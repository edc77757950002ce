import { z } from 'zod';
import type { EdgeRow } from './edge-command';

/**
 * Documents generated from the edge table (commands.table.ts): the README's REST table and an
 * OpenAPI 3.1 document of the REST face (docs/openapi.json). edge-docs.spec.ts checks both are
 * up to date (it runs with lint); `npm run edge:docs` writes them.
 */
export const README_START = '<!-- edge:rest-table:start (generated from services/gateway/src/edge/commands.table.ts: npm run edge:docs) -->';
export const README_END = '<!-- edge:rest-table:end -->';

/** The REST table: one line per command, consecutive commands with the same notes on one line. */
export function restTable(rows: readonly EdgeRow[]): string {
  const rest = rows.filter((r) => r.rest);
  const lines: { paths: string[]; doc: string }[] = [];
  for (const r of rest) {
    const last = lines[lines.length - 1];
    if (last && last.doc === r.doc) last.paths.push(r.rest!);
    else lines.push({ paths: [r.rest!], doc: r.doc });
  }
  return ['| command | notes |', '|---|---|', ...lines.map((l) => `| ${l.paths.map((p) => `\`${p}\``).join(', ')} | ${l.doc} |`)].join('\n');
}

/** The README with its generated section replaced by `table`. */
export function withRestTable(readme: string, table: string): string {
  const start = readme.indexOf(README_START);
  const end = readme.indexOf(README_END);
  if (start < 0 || end < start) throw new Error('README.md has no edge:rest-table markers');
  return `${readme.slice(0, start + README_START.length)}\n${table}\n${readme.slice(end)}`;
}

const QUERY = ['sdkappid', 'identifier', 'usersig', 'random', 'contenttype'].map((name) => ({
  name,
  in: 'query',
  required: name !== 'random' && name !== 'contenttype',
  schema: { type: 'string' },
}));

const ENVELOPE = {
  type: 'object',
  properties: { ActionStatus: { enum: ['OK', 'FAIL'] }, ErrorCode: { type: 'integer' }, ErrorInfo: { type: 'string' }, ErrorDisplay: { type: 'string' } },
  required: ['ActionStatus', 'ErrorCode', 'ErrorInfo'],
  additionalProperties: true,
};

/** OpenAPI 3.1 of the REST face: one POST per row, its body schema from the row's zod schema. */
export function openApi(rows: readonly EdgeRow[]): Record<string, unknown> {
  const paths: Record<string, unknown> = {};
  for (const r of rows) {
    if (!r.rest) continue;
    const { $schema: _drop, ...body } = z.toJSONSchema(r.schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
    paths[`/v4/${r.rest}`] = {
      post: {
        operationId: r.rest.replace('/', '.'),
        tags: [r.rest.split('/')[0]],
        description: r.doc,
        'x-meridian-service': r.service,
        ...(r.rate ? { 'x-rate-limit-per-second': r.rate } : {}),
        ...(r.aliases ? { 'x-field-aliases': r.aliases } : {}),
        parameters: QUERY.map((q) => ({ $ref: `#/components/parameters/${q.name}` })),
        requestBody: { required: true, content: { 'application/json': { schema: body } } },
        responses: {
          '200': {
            description: "Tencent's envelope (always HTTP 200; ErrorCode 0 on success) and the command's fields",
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Envelope' } } },
          },
        },
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Meridian REST API (Tencent Cloud IM compatible)',
      version: '1',
      description:
        "Generated from services/gateway/src/edge/commands.table.ts. Every command is POST /v4/<service>/<command> with the App admin's UserSig in the query string. JSON null is read as an absent field; x-field-aliases lists old or variant field names read as the current ones.",
    },
    paths,
    components: { parameters: Object.fromEntries(QUERY.map((q) => [q.name, q])), schemas: { Envelope: ENVELOPE } },
  };
}
