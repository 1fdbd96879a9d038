import { edgesOf } from '../bench/flows.js';
import { NUL_BODY, OK_BODY } from './remote.js';

/** An http node that POSTs its step to the remote, retried through outages. */
const work = (id: string, remote: string) => ({
  id,
  type: 'http',
  params: { method: 'POST', url: `${remote}/work`, body: { step: id, n: '{{in.n}}' } },
  retry: { maximumAttempts: 10, initialInterval: '500ms' },
});

/** The flow most faults hit: http, two parallel echoes, http, echo; seconds long, so faults land mid-run. */
export const LAYERS = (remote: string) => ({
  name: 'chaos-layers',
  nodes: [
    { id: 'in', type: 'input' },
    work('a', remote),
    { id: 'b1', type: 'echo', params: { value: 'b1', durationMs: 1500 } },
    { id: 'b2', type: 'echo', params: { value: 'b2', durationMs: 2500 } },
    work('c', remote),
    { id: 'd', type: 'echo', params: { value: '{{c.body}}', durationMs: 2000 } },
    { id: 'out', type: 'output', params: { value: '{{d}}' } },
  ],
  edges: edgesOf('in>a', 'a>b1', 'a>b2', 'b1>c', 'b2>c', 'c>d', 'd>out'),
});

/** NUL bytes and lone surrogates through inputs and an http body; the remote's address is passed per run. */
export const NUL = () => ({
  name: 'chaos-nul',
  nodes: [
    { id: 'in', type: 'input' },
    { id: 'page', type: 'http', params: { url: '{{in.url}}' } },
    { id: 'out', type: 'output', params: { value: { name: '{{in.name}}', body: '{{page.body}}' } } },
  ],
  edges: edgesOf('in>page', 'page>out'),
});

/** The input of run `i` of a scenario on `flow`. */
export function runInputs(flow: 'layers' | 'nul', i: number, remoteHost: string): Record<string, unknown> {
  if (flow === 'layers') return { n: i };
  if (i === 0) return { name: 'a\u0000b\ud800c', url: `http://${remoteHost}/ok` };
  if (i === 1) return { name: 'plain', url: `http://${remoteHost}/nul` };
  return { name: 'clean', url: `http://${remoteHost}/ok` };
}

/** The http body the remote answers run `i` of the NUL scenario with. */
export const nulBody = (i: number) => (i === 1 ? NUL_BODY : OK_BODY);
