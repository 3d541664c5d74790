// i18next: English and Simplified Chinese, bundled (both are small). The browser's
// language decides on the first visit; a choice made in the UI is remembered.
import i18n from 'i18next';
import { initReactI18next } from 'react-i18next';
import { en } from './en.ts';
import { zhCN } from './zh-CN.ts';

export const languages = [
  { code: 'en', label: 'English' },
  { code: 'zh-CN', label: '简体中文' },
] as const;

const storageKey = 'cronfleet.language';

function initialLanguage(): string {
  const stored = localStorage.getItem(storageKey);
  if (stored && languages.some((language) => language.code === stored)) return stored;
  for (const preferred of navigator.languages ?? [navigator.language]) {
    if (preferred.toLowerCase().startsWith('zh')) return 'zh-CN';
    if (preferred.toLowerCase().startsWith('en')) return 'en';
  }
  return 'en';
}

void i18n.use(initReactI18next).init({
  resources: { en: { translation: en }, 'zh-CN': { translation: zhCN } },
  lng: initialLanguage(),
  fallbackLng: 'en',
  supportedLngs: ['en', 'zh-CN'],
  interpolation: { escapeValue: false }, // React escapes
  returnNull: false,
});

const applyLanguage = (language: string) => {
  document.documentElement.lang = language;
};
applyLanguage(i18n.language);
i18n.on('languageChanged', (language) => {
  localStorage.setItem(storageKey, language);
  applyLanguage(language);
});
