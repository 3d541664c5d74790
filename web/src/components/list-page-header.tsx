// The head of a list page (tasks, workflows): its title and, for operators, the button to
// the form of a new one.
import { Button, Group, Title } from '@mantine/core';
import { IconPlus } from '@tabler/icons-react';
import { Link } from 'react-router';
import { useAuth } from '../auth.tsx';

export function ListPageHeader({ title, newLabel, newPath, newTestId }: { title: string; newLabel: string; newPath: string; newTestId: string }) {
  const { can } = useAuth();
  return (
    <Group justify="space-between">
      <Title order={2}>{title}</Title>
      {can('operator') && (
        <Button component={Link} to={newPath} leftSection={<IconPlus size={16} />} data-testid={newTestId}>
          {newLabel}
        </Button>
      )}
    </Group>
  );
}
