// An execution's log. While the execution runs, the log follows: the server streams
// NDJSON lines (`?follow=1`) read with fetch + ReadableStream, and the view sticks to
// the bottom unless the reader scrolled up. The reader can search it (matches marked,
// next/previous), number and wrap its lines, and download it whole as text.
import { ActionIcon, Badge, Button, Group, Switch, Text, TextInput, Tooltip } from '@mantine/core';
import { IconChevronDown, IconChevronUp, IconDownload, IconSearch } from '@tabler/icons-react';
import { useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { authHeaders } from '../api/client.ts';
import { notifyError } from './feedback.tsx';
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

/** A piece of a line from one stream; a line can hold pieces of several when chunks interleave. */
interface Segment {
  text: string;
  stream: LogLine['stream'];
}

interface Line {
  segments: Segment[];
  text: string;
}

/** The log's chunks as lines (a chunk may end mid-line; the next one continues it). */
function toLines(chunks: LogLine[]): Line[] {
  if (chunks.length === 0) return [];
  const lines: Line[] = [{ segments: [], text: '' }];
  for (const chunk of chunks) {
    chunk.chunk.split('\n').forEach((part, index) => {
      if (index > 0) lines.push({ segments: [], text: '' });
      if (part === '') return;
      const line = lines[lines.length - 1]!;
      line.segments.push({ text: part, stream: chunk.stream });
      line.text += part;
    });
  }
  // The newline that ends the last line does not start another.
  if (lines.length > 1 && lines[lines.length - 1]!.text === '') lines.pop();
  return lines;
}

interface Match {
  line: number;
  start: number;
}

/** Matches shown at most: enough to step through, bounded for a huge log and a one-letter search. */
const MATCH_LIMIT = 5000;

function findMatches(lines: Line[], query: string): Match[] {
  if (!query) return [];
  const needle = query.toLocaleLowerCase();
  const matches: Match[] = [];
  lines.forEach((line, index) => {
    const haystack = line.text.toLocaleLowerCase();
    for (let at = haystack.indexOf(needle); at >= 0 && matches.length < MATCH_LIMIT; at = haystack.indexOf(needle, at + needle.length)) matches.push({ line: index, start: at });
  });
  return matches;
}

const streamStyle: Record<LogLine['stream'], string | undefined> = { stdout: undefined, stderr: 'stderr', system: 'meta' };

/** One line's pieces, with the matches in it marked (the current one apart). */
function renderLine(line: Line, starts: number[], length: number, current: number | null): ReactNode {
  let offset = 0;
  return line.segments.map((segment, segmentIndex) => {
    const from = offset;
    offset += segment.text.length;
    const pieces: ReactNode[] = [];
    let cursor = 0;
    for (const start of starts) {
      const a = Math.max(start, from) - from;
      const b = Math.min(start + length, offset) - from;
      if (b <= a || a < cursor) continue;
      if (a > cursor) pieces.push(segment.text.slice(cursor, a));
      const isCurrent = start === current;
      pieces.push(
        <mark key={`${segmentIndex}-${a}`} className={isCurrent ? 'log-match current' : 'log-match'} data-current-match={isCurrent ? '' : undefined} style={isCurrent ? currentMarkStyle : markStyle}>
          {segment.text.slice(a, b)}
        </mark>,
      );
      cursor = b;
    }
    if (cursor < segment.text.length) pieces.push(segment.text.slice(cursor));
    return (
      <span key={segmentIndex} className={streamStyle[segment.stream]}>
        {pieces}
      </span>
    );
  });
}

const markStyle = { background: '#8a6d1a', color: '#fff', borderRadius: 2 } as const;
const currentMarkStyle = { background: '#ffb300', color: '#111', borderRadius: 2, outline: '1px solid #fff' } as const;

/** Saves the whole log (the server's text form, not only what this view holds) as a .txt file. */
async function downloadLog(executionId: string): Promise<void> {
  const response = await fetch(`/api/v1/executions/${encodeURIComponent(executionId)}/logs?format=text`, { headers: authHeaders(), credentials: 'same-origin' });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement('a');
  link.href = url;
  link.download = `execution-${executionId}.log.txt`;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** `expired`: retention deleted the log (the execution's log_expired): said instead of "no output". */
export function LiveLog({ executionId, onEnd, expired = false }: { executionId: string; onEnd: () => void; expired?: boolean }) {
  const { t } = useTranslation();
  const log = useExecutionLog(executionId, onEnd);
  const [stick, setStick] = useState(true);
  const [wrap, setWrap] = useState(true);
  const [numbers, setNumbers] = useState(true);
  const [query, setQuery] = useState('');
  const [current, setCurrent] = useState(0);
  const [downloading, setDownloading] = useState(false);
  const view = useRef<HTMLDivElement>(null);

  const lines = useMemo(() => toLines(log.lines), [log.lines]);
  const matches = useMemo(() => findMatches(lines, query), [lines, query]);
  const byLine = useMemo(() => {
    const map = new Map<number, number[]>();
    for (const match of matches) map.set(match.line, [...(map.get(match.line) ?? []), match.start]);
    return map;
  }, [matches]);
  const currentMatch = matches.length > 0 ? matches[Math.min(current, matches.length - 1)]! : null;

  useEffect(() => {
    if (stick && !query && view.current) view.current.scrollTop = view.current.scrollHeight;
  }, [log.lines, stick, query]);

  // Bring the current match into view (inside the log box, not the page).
  useEffect(() => {
    const box = view.current;
    const mark = box?.querySelector<HTMLElement>('[data-current-match]');
    if (!box || !mark) return;
    const boxRect = box.getBoundingClientRect();
    const markRect = mark.getBoundingClientRect();
    box.scrollTop += markRect.top - boxRect.top - box.clientHeight / 2;
    box.scrollLeft += Math.max(0, markRect.right - boxRect.right + 24) - Math.max(0, boxRect.left - markRect.left + 24);
  }, [currentMatch?.line, currentMatch?.start, query]);

  const step = (by: number) => {
    if (matches.length === 0) return;
    setStick(false);
    setCurrent((index) => (Math.min(index, matches.length - 1) + by + matches.length) % matches.length);
  };
  const digits = String(Math.max(1, lines.length)).length;

  return (
    <div>
      <Group justify="space-between" mb="xs" gap="xs">
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
        <Button
          size="xs"
          variant="default"
          leftSection={<IconDownload size={14} />}
          loading={downloading}
          data-testid="log-download"
          onClick={() => {
            setDownloading(true);
            downloadLog(executionId)
              .catch((error: unknown) => notifyError(error, t('executionPage.downloadFailed')))
              .finally(() => setDownloading(false));
          }}
        >
          {t('executionPage.download')}
        </Button>
      </Group>
      <Group gap="xs" mb="xs" wrap="wrap">
        <TextInput
          size="xs"
          leftSection={<IconSearch size={14} />}
          placeholder={t('executionPage.searchLog')}
          aria-label={t('executionPage.searchLog')}
          value={query}
          onChange={(event) => {
            setQuery(event.currentTarget.value);
            setCurrent(0);
            if (event.currentTarget.value) setStick(false);
          }}
          onKeyDown={(event) => {
            if (event.key === 'Enter') {
              event.preventDefault();
              step(event.shiftKey ? -1 : 1);
            }
          }}
          rightSectionWidth={query ? 72 : undefined}
          rightSection={
            query ? (
              <Text size="xs" c={matches.length ? 'dimmed' : 'red'} data-testid="log-match-count" style={{ whiteSpace: 'nowrap' }}>
                {matches.length ? t('executionPage.matchOf', { current: Math.min(current, matches.length - 1) + 1, count: matches.length }) : t('executionPage.noMatch')}
              </Text>
            ) : undefined
          }
          style={{ flex: '1 1 200px', maxWidth: 360 }}
          data-testid="log-search"
        />
        <Tooltip label={t('executionPage.previousMatch')}>
          <ActionIcon variant="default" size="md" aria-label={t('executionPage.previousMatch')} disabled={matches.length === 0} onClick={() => step(-1)} data-testid="log-previous">
            <IconChevronUp size={16} />
          </ActionIcon>
        </Tooltip>
        <Tooltip label={t('executionPage.nextMatch')}>
          <ActionIcon variant="default" size="md" aria-label={t('executionPage.nextMatch')} disabled={matches.length === 0} onClick={() => step(1)} data-testid="log-next">
            <IconChevronDown size={16} />
          </ActionIcon>
        </Tooltip>
        <Group gap="md" ml="auto" wrap="wrap">
          <Switch size="xs" label={t('executionPage.lineNumbers')} checked={numbers} onChange={(event) => setNumbers(event.currentTarget.checked)} data-testid="log-line-numbers" />
          <Switch size="xs" label={t('executionPage.wrap')} checked={wrap} onChange={(event) => setWrap(event.currentTarget.checked)} data-testid="log-wrap" />
          <Switch size="xs" label={t('executionDetail.autoScroll')} checked={stick} onChange={(event) => setStick(event.currentTarget.checked)} />
        </Group>
      </Group>
      <div
        className="log-view"
        ref={view}
        data-testid="log-view"
        data-wrap={wrap ? 'on' : 'off'}
        role="log"
        style={{ whiteSpace: wrap ? 'pre-wrap' : 'pre', overflowX: wrap ? 'hidden' : 'auto', wordBreak: wrap ? 'break-word' : 'normal' }}
        onScroll={(event) => {
          const element = event.currentTarget;
          const atBottom = element.scrollHeight - element.scrollTop - element.clientHeight < 24;
          if (atBottom !== stick && !query) setStick(atBottom);
        }}
      >
        {lines.length === 0 && (
          <span className="meta" data-testid="log-empty">
            {expired ? t('executionDetail.logExpired') : log.ended ? t('executionDetail.noOutput') : t('executionDetail.waitingForOutput')}
          </span>
        )}
        {lines.map((line, index) => (
          <div key={index} className="log-line" data-line={index + 1} style={{ display: 'flex', minWidth: wrap ? undefined : 'max-content' }}>
            {numbers && (
              <span className="meta log-line-number" aria-hidden style={{ flex: 'none', width: `${digits + 1}ch`, paddingRight: '1ch', textAlign: 'right', userSelect: 'none', opacity: 0.7 }}>
                {index + 1}
              </span>
            )}
            <span style={{ flex: '1 1 auto', minWidth: 0 }}>
              {line.segments.length === 0 ? '\u200b' : renderLine(line, byLine.get(index) ?? [], query.length, currentMatch?.line === index ? currentMatch.start : null)}
            </span>
          </div>
        ))}
        {log.error && <span className="meta">{`\n[${log.error}]`}</span>}
      </div>
    </div>
  );
}
