// Live updates: the server's event stream (`GET /api/v1/events`, SSE with the session
// cookie) marks the affected queries stale. EventSource cannot send a Bearer header,
// and the stream may be unavailable, so without it the pages fall back to polling.
import { useQueryClient } from '@tanstack/react-query';
import { createContext, useContext, useEffect, useState, type ReactNode } from 'react';
import { bearerToken } from './api/client.ts';

const LiveContext = createContext<boolean>(false);

/** Whether server events are flowing. */
export function useLive(): boolean {
  return useContext(LiveContext);
}

/** How often a live page re-reads: never while events flow, every few seconds otherwise. */
export function useRefetchInterval(fallbackMs = 5000): number | false {
  return useContext(LiveContext) ? false : fallbackMs;
}

function parse(data: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(data);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

export function LiveEvents({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient();
  const [connected, setConnected] = useState(false);

  useEffect(() => {
    if (bearerToken() || typeof EventSource === 'undefined') return undefined;
    const source = new EventSource('/api/v1/events', { withCredentials: true });
    // Bursts of events (a fire of many tasks) are coalesced into one refetch per query
    // family (a key prefix: 'tasks', or ['executors', 'load']).
    const pending = new Map<string, string[]>();
    let timer: ReturnType<typeof setTimeout> | null = null;
    const invalidate = (...families: (string | string[])[]) => {
      for (const family of families) {
        const key = Array.isArray(family) ? family : [family];
        pending.set(key.join('/'), key);
      }
      timer ??= setTimeout(() => {
        timer = null;
        for (const key of pending.values()) void queryClient.invalidateQueries({ queryKey: key });
        pending.clear();
      }, 300);
    };
    source.onopen = () => setConnected(true);
    source.onerror = () => setConnected(source.readyState === EventSource.OPEN);
    source.addEventListener('execution', (event) => {
      const data = parse((event as MessageEvent<string>).data);
      // An execution starting or ending changes its executor's load (running / capacity), and
      // a step's the state of its workflow's latest run, shown in the workflow list.
      invalidate('executions', 'overview', 'status', 'task-stats', ['executors', 'load'], ['workflows', 'list']);
      if (typeof data.id === 'string') void queryClient.invalidateQueries({ queryKey: ['execution', data.id] });
    });
    source.addEventListener('task', () => invalidate('tasks', 'task', 'overview'));
    source.addEventListener('executor', () => invalidate('executors', 'status', 'overview'));
    source.addEventListener('leader', () => invalidate('status', 'overview'));
    return () => {
      if (timer) clearTimeout(timer);
      source.close();
      setConnected(false);
    };
  }, [queryClient]);

  return <LiveContext.Provider value={connected}>{children}</LiveContext.Provider>;
}
