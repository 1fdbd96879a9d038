/** How a failure type behaves under the node's retry policy, and when it happens. */
export interface NodeErrorInfo {
  retryable: boolean;
  when: string;
}

/**
 * Every failure type a node may end with (`error.type` in events and run state). A retryable type
 * listed in a node's `retry.nonRetryableErrorTypes` fails the node at once instead.
 */
export const NODE_ERRORS = {
  Error: { retryable: true, when: 'a transient failure: no answer in time, connection refused or reset, DNS' },
  InvalidParams: { retryable: false, when: 'params do not fit the node type once placeholders resolve' },
  MissingSecret: { retryable: false, when: 'a `{{secrets.NAME}}` is neither in the environment nor in the store' },
  SecretTooShort: { retryable: false, when: 'a secret is too short to be masked reliably' },
  InvalidUrl: { retryable: false, when: 'a URL does not parse or has another protocol than http(s)' },
  BlockedAddress: { retryable: false, when: 'a loopback, private or reserved address not in HTTP_ALLOW_HOSTS' },
  InvalidRedirect: { retryable: false, when: 'a redirect without a usable `Location`' },
  RedirectRefused: { retryable: false, when: 'a redirect that would resend a body or secrets elsewhere' },
  TooManyRedirects: { retryable: false, when: 'more redirects than the limit' },
  ResponseTooLarge: { retryable: false, when: 'a response body over `maxBytes`' },
  HttpClientError: { retryable: false, when: 'a 4xx answer (but 429)' },
  HttpServerError: { retryable: true, when: 'a 5xx answer' },
  HttpTooManyRequests: { retryable: true, when: 'a 429 answer; the next attempt waits for `Retry-After`' },
  InvalidJsonResponse: { retryable: false, when: '`responseType: "json"` and the body is not JSON' },
  LlmClientError: { retryable: false, when: 'the model endpoint answered 4xx (but 429)' },
  LlmServerError: { retryable: true, when: 'the model endpoint answered 5xx or 429' },
  ExpressionFailed: { retryable: false, when: 'a JSONata expression failed, ran too long or used too much memory' },
  EchoFailure: { retryable: false, when: '`params.fail` is set' },
  AgentMaxIterations: { retryable: false, when: 'no final answer after `maxIterations` model calls' },
  InvalidStructuredOutput: { retryable: false, when: 'the structured-output answer is not JSON' },
  UnsupportedComponent: { retryable: false, when: 'the node stands for a Langflow component Tempoflow cannot run' },
  ApprovalTimedOut: { retryable: false, when: 'no decision within `timeout`' },
  LoopItemFailed: { retryable: false, when: "one of the body's runs failed" },
  ChildCancelled: { retryable: false, when: 'its child workflow was cancelled on its own while the run went on' },
  UnknownFlow: { retryable: false, when: 'the named flow (or version) is not stored' },
  NodeFailed: { retryable: false, when: 'the child run failed (its error names the node)' },
  WorkerLost: { retryable: false, when: 'the workers running its attempts were lost too many times' },
  Timeout: {
    retryable: true,
    when: "an attempt ran longer than the node's `timeout` (reported once no attempt is left)",
  },
} as const satisfies Record<string, NodeErrorInfo>;

export type NodeErrorType = keyof typeof NODE_ERRORS;

/** What every node that resolves secrets may fail with. */
export const SECRET_ERRORS = ['MissingSecret', 'SecretTooShort'] as const satisfies readonly NodeErrorType[];

/** What every outbound request (http, llm, agent) may fail with, through the address guard and redirect policy. */
export const OUTBOUND_ERRORS = [
  'Error',
  'InvalidUrl',
  'BlockedAddress',
  'InvalidRedirect',
  'RedirectRefused',
  'TooManyRedirects',
  'ResponseTooLarge',
] as const satisfies readonly NodeErrorType[];

/** What every node run by an activity may also fail with: the workflow gives up on an attempt lost again and again. */
export const ACTIVITY_ERRORS = ['WorkerLost', 'Timeout'] as const satisfies readonly NodeErrorType[];
