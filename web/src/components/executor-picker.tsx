// Explicit executors for a task, each with a weight (weighted round robin) and a
// priority (failover order).
import { ActionIcon, Button, Group, Input, NumberInput, Select, Stack } from '@mantine/core';
import { IconPlus, IconTrash } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import type { Executor } from '../api/types.ts';

export interface ExecutorChoice {
  executor: string;
  weight: number | string;
  priority: number | string;
}

export function ExecutorPicker({ value, onChange, executors, error }: { value: ExecutorChoice[]; onChange: (rows: ExecutorChoice[]) => void; executors: Executor[]; error?: string | undefined }) {
  const { t } = useTranslation();
  const options = executors.map((executor) => ({ value: executor.id, label: executor.name }));
  // A stored entry may name an executor by name, or one that is gone: keep it selectable.
  for (const row of value) if (row.executor && !options.some((option) => option.value === row.executor)) options.push({ value: row.executor, label: row.executor });
  const change = (index: number, patch: Partial<ExecutorChoice>) => onChange(value.map((row, i) => (i === index ? { ...row, ...patch } : row)));
  return (
    <Input.Wrapper label={t('form.executors')} description={t('form.executorsHint')} error={error} data-path="executors">
      <Stack gap={6} mt={4}>
        {value.map((row, index) => (
          <Group key={index} gap={6} wrap="nowrap">
            <Select data={options} value={row.executor || null} onChange={(executor) => change(index, { executor: executor ?? '' })} placeholder={t('form.executor')} searchable style={{ flex: 2 }} />
            <NumberInput value={row.weight} onChange={(weight) => change(index, { weight })} min={1} placeholder={t('form.weight')} aria-label={t('form.weight')} style={{ flex: 1 }} />
            <NumberInput value={row.priority} onChange={(priority) => change(index, { priority })} placeholder={t('form.priority')} aria-label={t('form.priority')} style={{ flex: 1 }} />
            <ActionIcon variant="subtle" color="gray" onClick={() => onChange(value.filter((_, i) => i !== index))} aria-label={t('common.remove')}>
              <IconTrash size={16} />
            </ActionIcon>
          </Group>
        ))}
        <Button variant="subtle" size="xs" leftSection={<IconPlus size={14} />} onClick={() => onChange([...value, { executor: '', weight: 1, priority: 0 }])} w="fit-content">
          {t('form.addExecutor')}
        </Button>
      </Stack>
    </Input.Wrapper>
  );
}
