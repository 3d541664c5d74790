// An execution's log. While the execution runs, the log follows: the server streams
// NDJSON lines (`?follow=1`) read with fetch + ReadableStream, and the view sticks to
// the bottom unless the reader scrolled up.
import { Badge, Group, Switch, Text } from '@mantine/core';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { authHeaders } from '../api/client.ts';
import type { LogLine } from '../api/types.ts';

interface LogState {
  lines: LogLine[];
  following: boolean;
  ended: boolean;
  error: string | null;
}

function useExecutionLog(executionId: string, onEnd: () => void): LogState {
  const [state, setState] = useState<LogState>({ lines: [], following: false, ended: false, error: null });
  const onEndRef = useRef(onEnd);
  onEndRef.current = onEnd;

  useEffect(() => {
    const controller = new AbortController();
    let lastSeq = 0;
    let buffered: LogLine[] = [];
    let frame = 0;
    // Many lines can arrive in one burst: render once per animation frame.
    const flush = () => {
      frame = 0;
      const batch = buffered;
      buffered = [];
      setState((previous) => ({ ...previous, lines: previous.lines.concat(batch) }));
    };
    const follow = async () => {
      for (let attempt = 0; attempt < 5 && !controller.signal.aborted; attempt++) {
        try {
          setState((previous) => ({ ...previous, following: true, error: null }));
          const response = await fetch(`/api/v1/executions/${encodeURIComponent(executionId)}/logs?follow=1&after_seq=${lastSeq}`, {
            headers: authHeaders(),
            credentials: 'same-origin',
            signal: controller.signal,
          });
          if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
          const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
          let pending = '';
          for (;;) {
            const { value, done } = await reader.read();
            if (done) break;
            pending += value;
            const parts = pending.split('\n');
            pending = parts.pop() ?? '';
            for (const part of parts) {
              if (!part.trim()) continue;
              const message = JSON.parse(part) as LogLine & { end?: boolean };
              if (message.end) {
                if (frame) cancelAnimationFrame(frame);
                flush();
                setState((previous) => ({ ...previous, following: false, ended: true }));
                onEndRef.current();
                return;
              }
              if (message.seq <= lastSeq) continue;
              lastSeq = message.seq;
              buffered.push(message);
              frame ||= requestAnimationFrame(flush);
            }
          }
        } catch (error) {
          if (controller.signal.aborted) return;
          setState((previous) => ({ ...previous, error: error instanceof Error ? error.message : String(error) }));
        }
        // The stream ended without an end marker (server restart): resume after a pause.
        await new Promise((resolve) => setTimeout(resolve, 1000 * (attempt + 1)));
      }
      setState((previous) => ({ ...previous, following: false }));
    };
    void follow();
    return () => {
      controller.abort();
      if (frame) cancelAnimationFrame(frame);
    };
  }, [executionId]);

  return state;
}

export function LiveLog({ executionId, onEnd }: { executionId: string; onEnd: () => void }) {
  const { t } = useTranslation();
  const log = useExecutionLog(executionId, onEnd);
  const [stick, setStick] = useState(true);
  const view = useRef<HTMLPreElement>(null);

  useEffect(() => {
    if (stick && view.current) view.current.scrollTop = view.current.scrollHeight;
  }, [log.lines, stick]);

  return (
    <div>
      <Group justify="space-between" mb="xs">
        <Group gap="xs">
          <Text fw={600}>{t('executionDetail.log')}</Text>
          {log.following && (
            <Badge color="blue" variant="dot" data-testid="log-following">
              {t('executionDetail.following')}
            </Badge>
          )}
          {log.ended && (
            <Badge color="gray" variant="light" data-testid="log-ended">
              {t('executionDetail.logEnded')}
            </Badge>
          )}
        </Group>
        <Switch size="xs" label={t('executionDetail.autoScroll')} checked={stick} onChange={(event) => setStick(event.currentTarget.checked)} />
      </Group>
      <pre
        className="log-view"
        ref={view}
        data-testid="log-view"
        onScroll={(event) => {
          const element = event.currentTarget;
          const atBottom = element.scrollHeight - element.scrollTop - element.clientHeight < 24;
          if (atBottom !== stick) setStick(atBottom);
        }}
      >
        {log.lines.length === 0 && <span className="meta">{log.ended ? t('executionDetail.noOutput') : t('executionDetail.waitingForOutput')}</span>}
        {log.lines.map((line) => (
          <span key={line.seq} className={line.stream === 'stderr' ? 'stderr' : line.stream === 'system' ? 'meta' : undefined}>
            {line.chunk}
          </span>
        ))}
        {log.error && <span className="meta">{`\n[${log.error}]`}</span>}
      </pre>
    </div>
  );
}
