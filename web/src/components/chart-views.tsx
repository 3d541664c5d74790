// The drawing itself: @mantine/charts over recharts, about 100 KB compressed, so its own
// chunk. Nothing imports this file but lazy-charts.tsx, which loads it once a chart has
// data to draw: the pages show their figures without waiting for it.
import '@mantine/charts/styles.css';
import { BarChart, LineChart, type BarChartProps, type LineChartProps } from '@mantine/charts';

export function DrawnBarChart(props: BarChartProps) {
  return <BarChart {...props} />;
}

export function DrawnLineChart(props: LineChartProps) {
  return <LineChart {...props} />;
}
