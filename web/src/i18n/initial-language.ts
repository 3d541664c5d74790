// The language the console opens in, without i18next: read by the i18n setup and by the
// requests started before the app has loaded (api/early-requests.ts), which must word
// the server's texts in the language the app will show. A page the server rendered opens
// in the language it was rendered in (rendered-state.ts).
import { onServer, renderedState } from '../rendered-state.ts';

export const languages = [
  { code: 'en', label: 'English' },
  { code: 'zh-CN', label: '简体中文' },
] as const;

export const languageStorageKey = 'cronfleet.language';

/** The server's render's, else a choice made in the UI (remembered), else the browser's language, else English. */
export function initialLanguage(): string {
  const rendered = renderedState()?.view.language;
  if (rendered && languages.some((language) => language.code === rendered)) return rendered;
  if (onServer) return 'en';
  const stored = localStorage.getItem(languageStorageKey);
  if (stored && languages.some((language) => language.code === stored)) return stored;
  for (const preferred of navigator.languages ?? [navigator.language]) {
    if (preferred.toLowerCase().startsWith('zh')) return 'zh-CN';
    if (preferred.toLowerCase().startsWith('en')) return 'en';
  }
  return 'en';
}
