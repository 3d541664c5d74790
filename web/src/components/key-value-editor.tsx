// Editing a string map (env, HTTP headers, labels). A row may be secret: the server
// stores it encrypted and only ever returns a placeholder, which is sent back
// unchanged unless a new value is typed.
import { ActionIcon, Button, Group, Input, PasswordInput, Stack, Switch, TextInput, Tooltip } from '@mantine/core';
import { IconLock, IconPlus, IconTrash } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import type { MaybeSecret } from '../api/types.ts';
import { isSecretPlaceholder } from './secret-values.ts';

export interface KeyValueRow {
  key: string;
  value: string;
  secret: boolean;
  /** The server holds a secret value for this key; an empty value keeps it. */
  stored: boolean;
}

export function rowsFromMap(map: Record<string, MaybeSecret> | undefined | null): KeyValueRow[] {
  return Object.entries(map ?? {}).map(([key, value]) => (isSecretPlaceholder(value) ? { key, value: '', secret: true, stored: true } : { key, value: String(value), secret: false, stored: false }));
}

export function mapFromRows(rows: KeyValueRow[]): Record<string, MaybeSecret> {
  const map: Record<string, MaybeSecret> = {};
  for (const row of rows) {
    const key = row.key.trim();
    if (!key) continue;
    if (!row.secret) map[key] = row.value;
    else if (row.stored && row.value === '') map[key] = { secret: true };
    else map[key] = { secret: row.value };
  }
  return map;
}

export function KeyValueEditor({
  label,
  description,
  value,
  onChange,
  error,
  allowSecrets = true,
  keyPlaceholder,
  testId,
}: {
  label: string;
  description?: string;
  value: KeyValueRow[];
  onChange: (rows: KeyValueRow[]) => void;
  error?: string | null | undefined;
  allowSecrets?: boolean;
  keyPlaceholder?: string;
  testId?: string;
}) {
  const { t } = useTranslation();
  const change = (index: number, patch: Partial<KeyValueRow>) => onChange(value.map((row, i) => (i === index ? { ...row, ...patch } : row)));
  return (
    <Input.Wrapper label={label} description={description} error={error} data-testid={testId}>
      <Stack gap={6} mt={4}>
        {value.map((row, index) => (
          <Group key={index} gap={6} wrap="nowrap" align="center">
            <TextInput placeholder={keyPlaceholder ?? t('form.key')} value={row.key} onChange={(event) => change(index, { key: event.currentTarget.value })} style={{ flex: 1 }} error={Boolean(error)} />
            {row.secret ? (
              <PasswordInput
                placeholder={row.stored ? t('form.secretStored') : t('form.value')}
                value={row.value}
                onChange={(event) => change(index, { value: event.currentTarget.value })}
                leftSection={<IconLock size={14} />}
                style={{ flex: 1.4 }}
              />
            ) : (
              <TextInput placeholder={t('form.value')} value={row.value} onChange={(event) => change(index, { value: event.currentTarget.value })} style={{ flex: 1.4 }} />
            )}
            {allowSecrets && (
              <Tooltip label={t('form.secret')}>
                <Switch size="xs" checked={row.secret} onChange={(event) => change(index, { secret: event.currentTarget.checked, stored: false, value: '' })} aria-label={t('form.secret')} />
              </Tooltip>
            )}
            <ActionIcon variant="subtle" color="gray" onClick={() => onChange(value.filter((_, i) => i !== index))} aria-label={t('common.remove')}>
              <IconTrash size={16} />
            </ActionIcon>
          </Group>
        ))}
        <Button variant="subtle" size="xs" leftSection={<IconPlus size={14} />} onClick={() => onChange([...value, { key: '', value: '', secret: false, stored: false }])} w="fit-content">
          {t('form.addRow')}
        </Button>
      </Stack>
    </Input.Wrapper>
  );
}
