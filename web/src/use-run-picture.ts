import { useEffect, useRef, useState } from 'react';
import type { FlowDefinition } from './api';
import { applyEvents, emptyPicture, loadPicture, savePicture, type RunPicture } from './run-state';
import { followRun, type RunEvent, type StreamState } from './sse';
import { isClosed } from './status';

/**
 * The picture of a run, drawn from its events only: a reload starts from the picture this tab last
 * drew (saved every half second and on pagehide) and asks the stream for what came after its last
 * event id. Events that arrive within one frame are drawn together.
 */
export function useRunPicture(runId: string, definition: FlowDefinition | undefined) {
  const [picture, setPicture] = useState<RunPicture>();
  const [stream, setStream] = useState<StreamState>('connecting');

  useEffect(() => {
    if (!definition) return;
    const stored = loadPicture(runId);
    const start = stored ?? emptyPicture(definition.nodes.map((n) => n.id));
    setPicture(start);
    if (isClosed(start.status)) {
      setStream('ended');
      return;
    }
    // Events that arrive within one frame are drawn together: one redraw per frame at most.
    let pending: RunEvent[] = [];
    let frame = 0;
    const flush = () => {
      frame = 0;
      const batch = pending;
      pending = [];
      performance.mark('tempoflow:redraw-start');
      setPicture((p) => applyEvents(p ?? start, batch));
    };
    const stop = followRun(
      runId,
      start.seq,
      (events) => {
        pending.push(...events);
        frame ||= requestAnimationFrame(flush);
      },
      setStream,
    );
    return () => {
      stop();
      cancelAnimationFrame(frame);
    };
  }, [definition, runId]);

  const latest = useRef(picture);
  latest.current = picture;
  // How long each redraw took, from the events' arrival to the commit (the bench reads these).
  useEffect(() => {
    if (!performance.getEntriesByName('tempoflow:redraw-start').length) return;
    performance.measure('tempoflow:redraw', 'tempoflow:redraw-start');
    performance.clearMarks('tempoflow:redraw-start');
  }, [picture]);
  useEffect(() => {
    let saved = -1;
    const save = () => {
      if (!latest.current || latest.current.seq === saved) return;
      saved = latest.current.seq;
      savePicture(runId, latest.current);
    };
    const timer = setInterval(save, 500);
    window.addEventListener('pagehide', save);
    return () => {
      clearInterval(timer);
      window.removeEventListener('pagehide', save);
      save();
    };
  }, [runId]);

  return { picture, stream };
}
