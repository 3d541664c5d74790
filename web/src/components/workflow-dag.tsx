// A workflow's DAG drawn with plain SVG and boxes (issue 19): steps laid out in layers by
// dependency depth (a step sits one layer below its deepest dependency), top to bottom,
// each layer ordered by where its dependencies sit so edges cross less; edges are arrows,
// labelled when a dependency is on failure or complete rather than success. A run's DAG
// colours each step by its state and links it to its execution.
import { Box, Text, Tooltip } from '@mantine/core';
import { useElementSize } from '@mantine/hooks';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';

export interface DagStep {
  name: string;
  task_name: string | null;
  task_id: string;
  depends_on: readonly { step: string; on: string }[];
  /** A run's step: its state, why it was skipped or cancelled, and its execution. */
  state?: string;
  reason?: string | null;
  execution_id?: string | null;
}

/** A box's width, narrower (down to MIN_BOX_WIDTH) when the widest layer would not fit its card. */
const BOX_WIDTH = 168;
const MIN_BOX_WIDTH = 112;
const BOX_HEIGHT = 58;
const GAP_X = 28;
const GAP_Y = 64;
const PAD = 12;

/** The colour of a step's state: the execution statuses' colours, and waiting in a paler grey. */
export const stepStateColor: Record<string, string> = {
  waiting: 'gray',
  pending: 'indigo',
  running: 'blue',
  success: 'teal',
  failed: 'red',
  timeout: 'orange',
  skipped: 'yellow',
  cancelled: 'grape',
};

interface Placed {
  step: DagStep;
  layer: number;
  x: number;
  y: number;
  width: number;
}

/** Each step's layer (longest path from a step without dependencies) and position; unknown dependencies are ignored, a cycle (refused by the server) cannot loop. */
function layoutDag(steps: readonly DagStep[], available = Number.POSITIVE_INFINITY): { placed: Map<string, Placed>; width: number; height: number } {
  const byName = new Map(steps.map((step) => [step.name, step]));
  const depth = new Map<string, number>();
  const visiting = new Set<string>();
  const depthOf = (name: string): number => {
    const known = depth.get(name);
    if (known !== undefined) return known;
    if (visiting.has(name)) return 0;
    visiting.add(name);
    const step = byName.get(name);
    const upstream = (step?.depends_on ?? []).filter((dependency) => byName.has(dependency.step)).map((dependency) => depthOf(dependency.step) + 1);
    visiting.delete(name);
    const value = Math.max(0, ...upstream);
    depth.set(name, value);
    return value;
  };
  const layers: DagStep[][] = [];
  for (const step of steps) (layers[depthOf(step.name)] ??= []).push(step);
  // Order each layer by the mean position of its dependencies in the layers above (definition order breaks ties).
  const order = new Map<string, number>();
  layers.forEach((layer, index) => {
    if (index > 0) {
      const centre = (step: DagStep) => {
        const positions = step.depends_on.map((dependency) => order.get(dependency.step)).filter((value): value is number => value !== undefined);
        return positions.length === 0 ? Number.MAX_SAFE_INTEGER : positions.reduce((sum, value) => sum + value, 0) / positions.length;
      };
      layer.sort((a, b) => centre(a) - centre(b));
    }
    layer.forEach((step, position) => order.set(step.name, position - (layer.length - 1) / 2));
  });
  const widest = Math.max(1, ...layers.map((layer) => layer.length));
  const boxWidth = Math.max(MIN_BOX_WIDTH, Math.min(BOX_WIDTH, Math.floor((available - PAD * 2 - (widest - 1) * GAP_X) / widest)));
  const width = PAD * 2 + widest * boxWidth + (widest - 1) * GAP_X;
  const placed = new Map<string, Placed>();
  layers.forEach((layer, index) => {
    const rowWidth = layer.length * boxWidth + (layer.length - 1) * GAP_X;
    const left = (width - rowWidth) / 2;
    layer.forEach((step, position) => placed.set(step.name, { step, layer: index, x: left + position * (boxWidth + GAP_X), y: PAD + index * (BOX_HEIGHT + GAP_Y), width: boxWidth }));
  });
  const height = PAD * 2 + layers.length * BOX_HEIGHT + Math.max(0, layers.length - 1) * GAP_Y;
  return { placed, width, height };
}

function StepBox({ placed, run }: { placed: Placed; run: boolean }) {
  const { t } = useTranslation();
  const { step } = placed;
  const color = run ? (stepStateColor[step.state ?? 'waiting'] ?? 'gray') : 'indigo';
  const style = {
    position: 'absolute',
    left: placed.x,
    top: placed.y,
    width: placed.width,
    height: BOX_HEIGHT,
    boxSizing: 'border-box',
    padding: '6px 10px',
    borderRadius: 8,
    border: `2px solid var(--mantine-color-${color}-${run && step.state === 'waiting' ? 4 : 6})`,
    borderStyle: run && step.state === 'waiting' ? 'dashed' : 'solid',
    // The light variant's colours: pale on a light page, muted on a dark one.
    background: `var(--mantine-color-${color}-light)`,
    color: 'inherit',
    textDecoration: 'none',
    overflow: 'hidden',
  } as const;
  const content = (
    <>
      <Text size="sm" fw={700} truncate="end" lh={1.3}>
        {step.name}
      </Text>
      <Text size="xs" c="dimmed" truncate="end" lh={1.3}>
        {step.task_name ?? t('workflows.taskGone')}
      </Text>
      {run && (
        <Text size="xs" fw={600} c={`var(--mantine-color-${color}-light-color)`} lh={1.3} truncate="end" data-testid="dag-step-state">
          {t(`stepState.${step.state ?? 'waiting'}`, { defaultValue: step.state })}
          {step.reason ? ` · ${step.reason}` : ''}
        </Text>
      )}
    </>
  );
  const attributes = { 'data-testid': 'dag-step', 'data-step': step.name, 'data-state': step.state, style };
  // A run's step with an execution opens it.
  const box =
    run && step.execution_id ? (
      <Box component={Link} to={`/executions/${step.execution_id}`} {...attributes}>
        {content}
      </Box>
    ) : (
      <Box {...attributes}>{content}</Box>
    );
  return step.reason ? (
    <Tooltip label={step.reason} multiline maw={320} withinPortal>
      {box}
    </Tooltip>
  ) : (
    box
  );
}

/** The DAG of `steps`; `run`: the steps carry states (a run's DAG). Scrolls sideways when wider than its card. */
export function WorkflowDag({ steps, run = false }: { steps: readonly DagStep[]; run?: boolean }) {
  const { t } = useTranslation();
  const { ref, width: available } = useElementSize();
  const { placed, width, height } = layoutDag(steps, available || undefined);
  const edges = steps.flatMap((step) => step.depends_on.filter((dependency) => placed.has(dependency.step)).map((dependency) => ({ from: dependency.step, to: step.name, on: dependency.on })));
  return (
    <Box ref={ref} style={{ overflowX: 'auto', maxWidth: '100%' }} data-testid="workflow-dag">
      <Box style={{ position: 'relative', width, height, margin: '0 auto' }}>
        <svg width={width} height={height} style={{ position: 'absolute', inset: 0 }} aria-hidden>
          <defs>
            {(['gray', 'red'] as const).map((color) => (
              <marker key={color} id={`dag-arrow-${color}`} viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
                <path d="M 0 0 L 10 5 L 0 10 z" fill={`var(--mantine-color-${color}-6)`} />
              </marker>
            ))}
          </defs>
          {edges.map((edge) => {
            const from = placed.get(edge.from)!;
            const to = placed.get(edge.to)!;
            const x1 = from.x + from.width / 2;
            const y1 = from.y + BOX_HEIGHT;
            const x2 = to.x + to.width / 2;
            const y2 = to.y - 2;
            const bend = Math.min(GAP_Y, (y2 - y1) / 2);
            const labelled = edge.on !== 'success';
            const color = edge.on === 'failure' ? 'red' : 'gray';
            const stroke = `var(--mantine-color-${color}-6)`;
            return (
              <g key={`${edge.from}→${edge.to}`} data-testid="dag-edge" data-from={edge.from} data-to={edge.to} data-on={edge.on}>
                <path
                  d={`M ${x1} ${y1} C ${x1} ${y1 + bend}, ${x2} ${y2 - bend}, ${x2} ${y2}`}
                  fill="none"
                  stroke={stroke}
                  strokeWidth={1.6}
                  strokeDasharray={labelled ? '5 4' : undefined}
                  markerEnd={`url(#dag-arrow-${color})`}
                />
                {labelled && (
                  <text
                    x={(x1 + x2) / 2}
                    y={(y1 + y2) / 2}
                    textAnchor="middle"
                    dominantBaseline="middle"
                    fontSize={11}
                    fill={stroke}
                    stroke="var(--mantine-color-body)"
                    strokeWidth={4}
                    paintOrder="stroke"
                    data-testid="dag-edge-label"
                  >
                    {t(`workflows.on.${edge.on}`, { defaultValue: edge.on })}
                  </text>
                )}
              </g>
            );
          })}
        </svg>
        {[...placed.values()].map((entry) => (
          <StepBox key={entry.step.name} placed={entry} run={run} />
        ))}
      </Box>
    </Box>
  );
}
