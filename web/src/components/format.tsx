// Small display helpers shared by the pages: status colours, durations, times.
import { Badge, Code, Text, Tooltip } from '@mantine/core';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { renderNow } from '../rendered-state.ts';
import { useTimeZoneChoice } from '../time-zone-choice.ts';
import { formatInstant, zoneLabel, type InstantFormat } from '../time-zone.ts';

const statusColor: Record<string, string> = {
  pending: 'gray',
  running: 'blue',
  success: 'teal',
  failed: 'red',
  timeout: 'orange',
  skipped: 'yellow',
  cancelled: 'grape',
  active: 'teal',
  paused: 'yellow',
  deleted: 'gray',
  online: 'teal',
  offline: 'red',
  maintenance: 'yellow',
};

/** `status`: an execution's, a task's or an executor's. */
export function StatusBadge({ status, size = 'sm' }: { status: string; size?: 'xs' | 'sm' | 'md' | 'lg' }) {
  const { t } = useTranslation();
  return (
    <Badge color={statusColor[status] ?? 'gray'} variant="light" size={size} data-status={status}>
      {t(`status.${status}`, { defaultValue: status })}
    </Badge>
  );
}

export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 2 : 1)} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m ${Math.round(seconds % 60)}s`;
  return `${Math.floor(minutes / 60)}h ${minutes % 60}m`;
}

/** The current time, re-read every `intervalMs` while mounted (first as the page was drawn: renderNow). */
function useNow(intervalMs = 1000): number {
  const [now, setNow] = useState(renderNow);
  useEffect(() => {
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}

/** Time since `since`, ticking every second: a running execution's duration so far. */
export function Elapsed({ since }: { since: string }) {
  const now = useNow(1000);
  return (
    // The browser's first render may come a second after the server's: its own count stands.
    <Text span inherit c="blue" data-testid="elapsed" suppressHydrationWarning>
      {formatDuration(Math.max(0, now - Date.parse(since)))}
    </Text>
  );
}

export function formatPercent(ratio: number | null | undefined): string {
  if (ratio === null || ratio === undefined || !Number.isFinite(ratio)) return '—';
  const value = ratio <= 1 ? ratio * 100 : ratio;
  return `${value.toFixed(value >= 99.95 || value === 0 ? 0 : 1)}%`;
}

const relativeFormats = new Map<string, Intl.RelativeTimeFormat>();

/** One formatter per language: building one costs far more than using it, and a list of tasks asks for one per time shown. */
function relativeTimeFormat(locale: string): Intl.RelativeTimeFormat {
  let format = relativeFormats.get(locale);
  if (!format) {
    format = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' });
    relativeFormats.set(locale, format);
  }
  return format;
}

/**
 * Times and ages in the UI's language. `dateTime` writes an instant with its zone named
 * ("2026-12-02 14:00:00 UTC+8"): in `timeZone` when given (a task's own zone), otherwise in the
 * zone the header's switch chose (the browser's or UTC), which `timeZone` here names.
 */
export function useFormatters() {
  const { i18n, t } = useTranslation();
  const { timeZone: displayZone } = useTimeZoneChoice();
  const locale = i18n.resolvedLanguage ?? 'en';
  const relative = relativeTimeFormat(locale);
  return {
    /** The zone times without a zone of their own are shown in (IANA name). */
    timeZone: displayZone,
    dateTime(value: string | number | null | undefined, timeZone?: string, options?: InstantFormat): string {
      if (value === null || value === undefined || value === '') return '—';
      const date = new Date(value);
      if (Number.isNaN(date.getTime())) return '—';
      return formatInstant(date, timeZone ?? displayZone, options);
    },
    /** The zone's label at `value` (or now): "UTC+8", "UTC". */
    zoneLabel(value?: string | number | null, timeZone?: string): string {
      const date = value === null || value === undefined ? new Date() : new Date(value);
      return zoneLabel(Number.isNaN(date.getTime()) ? new Date() : date, timeZone ?? displayZone);
    },
    ago(value: string | null | undefined): string {
      if (!value) return t('common.never');
      return this.age(renderNow() - new Date(value).getTime());
    },
    age(ms: number | null | undefined): string {
      if (ms === null || ms === undefined) return t('common.never');
      const seconds = Math.round(ms / 1000);
      if (Math.abs(seconds) < 60) return relative.format(-seconds, 'second');
      const minutes = Math.round(seconds / 60);
      if (Math.abs(minutes) < 60) return relative.format(-minutes, 'minute');
      const hours = Math.round(minutes / 60);
      if (Math.abs(hours) < 48) return relative.format(-hours, 'hour');
      return relative.format(-Math.round(hours / 24), 'day');
    },
  };
}

/**
 * "3 min ago", with the absolute time and its zone in a tooltip. `ageMs`: an age the server
 * measured (a heartbeat's), shown instead of one read off this browser's clock.
 */
export function TimeAgo({ value, ageMs }: { value: string | null | undefined; ageMs?: number | null }) {
  const format = useFormatters();
  return (
    <Tooltip label={format.dateTime(value)} disabled={!value}>
      <Text span size="sm" data-time={format.dateTime(value)} suppressHydrationWarning>
        {ageMs === undefined ? format.ago(value) : format.age(ageMs)}
      </Text>
    </Tooltip>
  );
}

/**
 * A time in a task's own zone ("2026-12-02 09:00:00 UTC-5"); the tooltip names the zone and
 * gives the same instant in the zone of the header's switch.
 */
export function TaskTime({ value, timeZone }: { value: string | null | undefined; timeZone: string }) {
  const format = useFormatters();
  if (!value) return <>—</>;
  return (
    <Tooltip label={`${timeZone} · ${format.dateTime(value)}`}>
      <Text span inherit data-testid="task-time" data-zone={timeZone}>
        {format.dateTime(value, timeZone)}
      </Text>
    </Tooltip>
  );
}

export function ShortId({ id }: { id: string | null | undefined }) {
  if (!id)
    return (
      <Text span c="dimmed">
        —
      </Text>
    );
  return (
    <Tooltip label={id}>
      <Code>{id.slice(-8)}</Code>
    </Tooltip>
  );
}

export function Json({ value }: { value: unknown }) {
  return (
    <Code block style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-word', maxHeight: 320, overflow: 'auto' }}>
      {value === undefined || value === null ? '—' : typeof value === 'string' ? value : JSON.stringify(value, null, 2)}
    </Code>
  );
}
