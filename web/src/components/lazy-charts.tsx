// Bar and line charts that load their code (chart-views.tsx) only when drawn, after the
// page has shown its figures: the import starts after the paint of the render that put
// the chart (and the data it came with) on screen, so neither waits for the other. Until the chunk is there, a blank box of the chart's own height takes its place
// (the chart's root has exactly `h`, its legend included), so nothing below it moves.
import type { BarChartProps, LineChartProps } from '@mantine/charts';
import { Box } from '@mantine/core';
import { useEffect, useState } from 'react';
import { afterPaint } from '../after-paint.ts';

type ChartViews = typeof import('./chart-views.tsx');

let loaded: ChartViews | null = null;
let loading: Promise<ChartViews> | null = null;

function loadChartViews(): Promise<ChartViews> {
  loading ??= import('./chart-views.tsx').then(
    (views) => (loaded = views),
    (error: unknown) => {
      loading = null; // a later chart tries again (a deploy replaced the chunk, a network blip)
      throw error;
    },
  );
  return loading;
}

/** The chart code once it has arrived; null before (and after a failed load, which the next mount retries). */
function useChartViews(): ChartViews | null {
  const [views, setViews] = useState(loaded);
  useEffect(() => {
    if (views) return;
    let current = true;
    const cancel = afterPaint(() => {
      loadChartViews().then(
        (result) => current && setViews(result),
        () => undefined, // the placeholder stays; the page's data is shown regardless
      );
    });
    return () => {
      current = false;
      cancel();
    };
  }, [views]);
  return views;
}

/** Where a chart will be: its height, empty, marked busy for assistive technology. */
export function ChartPlaceholder({ h }: { h: number }) {
  return <Box h={h} aria-busy="true" data-testid="chart-placeholder" />;
}

export function LazyBarChart(props: BarChartProps & { h: number }) {
  const views = useChartViews();
  return views ? <views.DrawnBarChart {...props} /> : <ChartPlaceholder h={props.h} />;
}

export function LazyLineChart(props: LineChartProps & { h: number }) {
  const views = useChartViews();
  return views ? <views.DrawnLineChart {...props} /> : <ChartPlaceholder h={props.h} />;
}
