#!/usr/bin/env node
// The `tempoflow` command: loads the TypeScript CLI through tsx.
import { register } from 'tsx/esm/api';

register();
await import('../cli/main.ts');
