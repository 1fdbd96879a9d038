import { chain, fanout, pureChain } from '../flows.js';
import type { Scenario } from '../scenario.js';
import { compareScenario } from './compare.js';
import { loop } from './loop.js';
import { scaling } from './scaling.js';
import { sseFanin } from './sse-fanin.js';
import { throughput } from './throughput.js';
import { waiting } from './waiting.js';
import { web } from './web.js';
import { wideSlow } from './wide-slow.js';

/**
 * Every scenario, in the order `npm run bench` runs them and the table lists them. Memory first:
 * process RSS rarely shrinks, so after the load scenarios waiting-1000 would start from their peak.
 */
export const SCENARIOS: Scenario[] = [
  waiting,
  compareScenario('fanout-200', fanout('bench-fanout-200', 200), 'handFanout', ['bench', 200]),
  compareScenario('chain-50', chain('bench-chain-50', 50), 'handChain', ['bench', 50], true),
  compareScenario('chain-50-pure', pureChain('bench-chain-50-pure', 50), 'handPureChain', ['bench', 50], true),
  wideSlow,
  throughput,
  sseFanin,
  loop,
  scaling,
  web,
];
