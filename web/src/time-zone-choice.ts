// The header's time-zone switch: times that belong to no task (executions, audit, heartbeats,
// the dashboard) show in the browser's zone or in UTC. The choice is kept in localStorage and
// read by useFormatters, so every page follows it without passing it around.
import { useSyncExternalStore } from 'react';
import { onServer, renderedState } from './rendered-state.ts';
import { browserTimeZone } from './time-zone.ts';

export type TimeZoneChoice = 'browser' | 'utc';

const storageKey = 'cronfleet.time-zone';
const listeners = new Set<() => void>();

function read(): TimeZoneChoice {
  try {
    return localStorage.getItem(storageKey) === 'utc' ? 'utc' : 'browser';
  } catch {
    return 'browser'; // storage refused (private mode): the default
  }
}

let current: TimeZoneChoice | null = null;

function snapshot(): TimeZoneChoice {
  current ??= read();
  return current;
}

/** The switch as the server rendered the page (and as the browser's first render takes it over). */
function serverSnapshot(): TimeZoneChoice {
  return renderedState()?.view.timeZoneChoice ?? 'browser';
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  // Another tab's switch applies here too.
  const onStorage = (event: StorageEvent) => {
    if (event.key !== storageKey) return;
    current = read();
    listener();
  };
  window.addEventListener('storage', onStorage);
  return () => {
    listeners.delete(listener);
    window.removeEventListener('storage', onStorage);
  };
}

export function setTimeZoneChoice(choice: TimeZoneChoice): void {
  current = choice;
  try {
    localStorage.setItem(storageKey, choice);
  } catch {
    // not remembered, still applied
  }
  for (const listener of listeners) listener();
}

/** The browser's zone; on the server, that of the browser the page is rendered for (its view cookie). */
export function viewerTimeZone(): string {
  return onServer ? (renderedState()?.view.timeZone ?? 'UTC') : browserTimeZone();
}

/** The switch's position and the IANA zone it stands for. */
export function useTimeZoneChoice(): { choice: TimeZoneChoice; timeZone: string } {
  const choice = useSyncExternalStore(subscribe, snapshot, serverSnapshot);
  return { choice, timeZone: choice === 'utc' ? 'UTC' : viewerTimeZone() };
}
