// Loaded (`--require`) into each of the Temporal SDK's workflow threads when workflow stack traces
// are off (WORKER_WORKFLOW_STACK_TRACES, worker/workflow-threads.ts), before the SDK's own code.
//
// The SDK records a stack trace for every promise created in workflow code, for the stack trace
// query (the Temporal UI's "Stack Trace" tab): a V8 promise hook that captures and source-maps a
// stack per promise (temporalio/sdk-typescript#1587). It installs that hook with
// `v8.promiseHooks.createHook` and, where that function fails (as on Bun), runs without it, which
// the SDK supports: the query then answers "Workflow stack traces are not enabled on this worker".
// Making it fail here, in this thread only, takes that path.
'use strict';
const path = require('node:path');
const v8 = require('node:v8');

// Only the SDK's call fails (GlobalHandlers.setPromiseHook in vm-shared.js), and only once: Node's
// own AsyncLocalStorage, which the SDK's cancellation scopes use in this thread, creates promise
// hooks through the same function and must keep working. The caller is told by its file name from
// V8's call sites, which source maps (--enable-source-maps) never rewrite.
const SDK_CALLER = path.join('@temporalio', 'worker', 'lib', 'workflow', 'vm-shared.js');
const createHook = v8.promiseHooks.createHook;

function callerFiles() {
  const prepare = Error.prepareStackTrace;
  const limit = Error.stackTraceLimit;
  Error.prepareStackTrace = (_error, callSites) => callSites;
  Error.stackTraceLimit = 10;
  try {
    const callSites = new Error().stack;
    return Array.isArray(callSites) ? callSites.map((c) => c.getFileName() ?? '') : [];
  } finally {
    Error.prepareStackTrace = prepare;
    Error.stackTraceLimit = limit;
  }
}

v8.promiseHooks.createHook = function (hooks) {
  if (!callerFiles().some((file) => file.endsWith(SDK_CALLER))) return createHook.call(this, hooks);
  v8.promiseHooks.createHook = createHook;
  throw new Error('workflow stack traces are off (WORKER_WORKFLOW_STACK_TRACES=false)');
};

// The SDK says so with a console.warn meant for runtimes without promise hooks; the worker logs
// what this really is once, at start.
const warn = console.warn;
console.warn = (...args) => {
  if (typeof args[0] === 'string' && args[0].startsWith('v8.promiseHooks.createHook is not available')) {
    console.warn = warn;
    return;
  }
  warn(...args);
};
