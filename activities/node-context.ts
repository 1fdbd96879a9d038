import type { Logger } from '../infra/index.js';
import type { NetGuard } from './net-guard.js';
import type { StreamMasker } from './secrets.js';

/** What a node implementation may use; built per attempt by createActivities. */
export interface NodeContext {
  runId: string;
  nodeId: string;
  attempt: number;
  /** Same for every attempt of this node (and loop item) in this run: safe to send as Idempotency-Key. */
  idempotencyKey: string;
  /** `inputs` and the referenced ancestors' outputs, blobs already loaded. */
  scope: Record<string, unknown>;
  signal: AbortSignal;
  heartbeat(details?: unknown): void;
  sleep(ms: number): Promise<void>;
  /** Publishes a node.progress or node.token event (batched by the caller's publisher). */
  progress(type: 'node.progress' | 'node.token', data: Record<string, unknown>): void;
  netGuard: NetGuard;
  /** Values of the secrets this node's params named (for redirect header stripping; never output). */
  secrets: readonly string[];
  /** Replaces every form of this node's secrets in a value; call it before truncating any text. */
  mask<T>(value: T): T;
  /** A masker for text that arrives in chunks (llm tokens). */
  maskStream(): StreamMasker;
  logger: Logger;
}
