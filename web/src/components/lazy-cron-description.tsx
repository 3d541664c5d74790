// A task's schedule in words on the task page, from cron-description.ts loaded once the
// page is on screen (after the paint of the render that shows the task). Until then the line holds a no-break space, so it keeps its height.
import { Text } from '@mantine/core';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { afterPaint } from '../after-paint.ts';

type Describe = (typeof import('./cron-description.ts'))['describeCron'];

export function CronDescription({ expression }: { expression: string }) {
  const { t, i18n } = useTranslation();
  const [describe, setDescribe] = useState<Describe | null>(null);
  useEffect(() => {
    let current = true;
    const cancel = afterPaint(() => {
      import('./cron-description.ts').then(
        (module) => current && setDescribe(() => module.describeCron),
        () => undefined, // no words then: the expression itself is shown beside
      );
    });
    return () => {
      current = false;
      cancel();
    };
  }, []);
  return (
    <Text size="sm" data-testid="cron-description">
      {describe?.(expression, i18n.resolvedLanguage ?? 'en', t) ?? '\u00a0'}
    </Text>
  );
}
