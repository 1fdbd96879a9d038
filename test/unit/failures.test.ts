import { describe, expect, it } from 'vitest';
import {
  ActivityFailure,
  ApplicationFailure,
  ChildWorkflowFailure,
  RetryState,
  TimeoutFailure,
  TimeoutType,
} from '@temporalio/common';
import { decodeFailure, workerLostAttempt } from '../../workflows/failures.js';

const activityFailure = (cause: Error) =>
  new ActivityFailure('activity failed', 'http', 'a', RetryState.MAXIMUM_ATTEMPTS_REACHED, 'worker', cause);

describe('decodeFailure', () => {
  it('names what went wrong, not where: the innermost failure of an activity', () => {
    const cause = ApplicationFailure.create({
      message: '404 Not Found',
      type: 'HttpClientError',
      details: [{ attempt: 1 }],
    });
    expect(decodeFailure(activityFailure(cause), 3)).toEqual({
      error: { message: '404 Not Found', type: 'HttpClientError' },
      attempts: 1,
    });
  });

  it('reports a timeout as "timed out", type Timeout, with the attempts the run counted', () => {
    const cause = new TimeoutFailure('activity StartToClose timeout', undefined, TimeoutType.START_TO_CLOSE);
    expect(decodeFailure(activityFailure(cause), 2)).toEqual({
      error: { message: 'timed out (activity StartToClose timeout)', type: 'Timeout' },
      attempts: 2,
    });
  });

  it("unwraps a child workflow failure to the child's own failure", () => {
    const child = ApplicationFailure.create({
      message: 'node "x" failed: boom',
      type: 'NodeFailed',
      nonRetryable: true,
    });
    const err = new ChildWorkflowFailure(
      'default',
      { workflowId: 'run-1.sub', runId: 'r' },
      'runFlow',
      RetryState.NON_RETRYABLE_FAILURE,
      child,
    );
    expect(decodeFailure(err, 1).error).toEqual({ message: 'node "x" failed: boom', type: 'NodeFailed' });
  });

  it('stops at an application failure whose cause is not a Temporal failure', () => {
    const err = ApplicationFailure.create({ message: 'outer', type: 'Outer', cause: new TypeError('inner') });
    expect(decodeFailure(err, 1).error).toEqual({ message: 'outer', type: 'Outer' });
  });

  it('uses the class name of a plain error, and a default message when there is none', () => {
    expect(decodeFailure(new TypeError('x is undefined'), 1).error).toEqual({
      message: 'x is undefined',
      type: 'TypeError',
    });
    expect(decodeFailure(new Error(''), 4)).toEqual({ error: { message: 'node failed', type: 'Error' }, attempts: 4 });
    expect(decodeFailure('thrown string', 1).error).toEqual({ message: 'node failed', type: undefined });
  });

  it('falls back to the class name when an application failure has no type', () => {
    expect(decodeFailure(new ApplicationFailure('no type'), 1).error).toEqual({
      message: 'no type',
      type: 'ApplicationFailure',
    });
  });
});

describe('workerLostAttempt', () => {
  const heartbeatTimeout = (details: unknown) =>
    activityFailure(new TimeoutFailure('heartbeat', details, TimeoutType.HEARTBEAT));

  it('takes the lost attempt from the last heartbeat', () => {
    expect(workerLostAttempt(heartbeatTimeout({ attempt: 4 }), 2)).toBe(4);
  });

  it('counts an attempt lost before its first heartbeat as the next one', () => {
    expect(workerLostAttempt(heartbeatTimeout(undefined), 2)).toBe(3);
    expect(workerLostAttempt(heartbeatTimeout({ attempt: 2 }), 2)).toBe(3);
  });

  it('is undefined for any other failure', () => {
    expect(
      workerLostAttempt(activityFailure(new TimeoutFailure('t', undefined, TimeoutType.START_TO_CLOSE)), 0),
    ).toBeUndefined();
    expect(workerLostAttempt(ApplicationFailure.create({ message: 'x' }), 0)).toBeUndefined();
  });
});
