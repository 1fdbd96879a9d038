import { ApplicationFailure } from '@temporalio/activity';
import { parse as parseCsv } from 'csv-parse/sync';
import type { BlobRef, EventDraft, ItemsSource, NodeActivityInput, RunState } from '../flow/index.js';
import { isTransientDbError, type Sql } from '../infra/index.js';
import { loadBlob, storeIfLarge } from '../runs/index.js';
import { type EventAppender } from '../events/index.js';
import type { ParamResolver } from './param-resolver.js';

export interface EngineDeps {
  sql: Sql;
  writer: EventAppender;
  blobThresholdBytes: number;
  resolveParams: ParamResolver;
}

/** The activities the workflow itself needs (not nodes): params from blobs, loop items, event writes. */
export function createEngineActivities(deps: EngineDeps) {
  return {
    /** Params of a workflow-run node whose placeholders name stored blobs (no secrets allowed). */
    async resolveParams(input: NodeActivityInput): Promise<Record<string, unknown>> {
      return (await deps.resolveParams(input, false)).params;
    },

    /** A loop's items: an array as it is, CSV text as one object per row; large lists are stored as a blob. */
    async loopItems(input: NodeActivityInput): Promise<{ source: ItemsSource; count: number }> {
      const { params } = await deps.resolveParams(input, false);
      let items = params.items;
      if (typeof items === 'string') {
        try {
          items = parseCsv(items, { columns: true, skip_empty_lines: true, trim: true, bom: true });
        } catch (err) {
          throw ApplicationFailure.nonRetryable(`items: not valid CSV (${(err as Error).message})`, 'InvalidParams');
        }
      }
      if (!Array.isArray(items))
        throw ApplicationFailure.nonRetryable(
          `items: expected an array or CSV text, got ${typeof items}`,
          'InvalidParams',
        );
      const stored = await storeIfLarge(deps.sql, input.runId, items, deps.blobThresholdBytes);
      return { source: Array.isArray(stored) ? { items: stored } : { ref: stored as BlobRef }, count: items.length };
    },

    async loadItems(input: { ref: BlobRef; offset: number; count: number }): Promise<unknown[]> {
      const all = (await loadBlob(deps.sql, input.ref)) as unknown[];
      return all.slice(input.offset, input.offset + input.count);
    },

    /** Writes a batch of workflow events (and the final state) to the event log; idempotent by key. */
    async publishEvents(input: { runId: string; events: EventDraft[]; final?: RunState }): Promise<void> {
      try {
        await deps.writer.append(input.runId, input.events, input.final);
      } catch (err) {
        if (isTransientDbError(err)) throw err;
        // Retrying cannot help: the workflow records the loss and still ends the run.
        throw ApplicationFailure.nonRetryable(
          `the event log refused these events: ${(err as Error).message}`,
          'EventLogRefused',
        );
      }
    },
  };
}
