// The language the console opens in, without i18next: read by the i18n setup and by the
// requests started before the app has loaded (api/early-requests.ts), which must word
// the server's texts in the language the app will show.
export const languages = [
  { code: 'en', label: 'English' },
  { code: 'zh-CN', label: '简体中文' },
] as const;

export const languageStorageKey = 'cronfleet.language';

/** A choice made in the UI (remembered), else the browser's language, else English. */
export function initialLanguage(): string {
  const stored = localStorage.getItem(languageStorageKey);
  if (stored && languages.some((language) => language.code === stored)) return stored;
  for (const preferred of navigator.languages ?? [navigator.language]) {
    if (preferred.toLowerCase().startsWith('zh')) return 'zh-CN';
    if (preferred.toLowerCase().startsWith('en')) return 'en';
  }
  return 'en';
}
