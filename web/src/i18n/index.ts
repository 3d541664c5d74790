// i18next: English and Simplified Chinese, bundled (both are small). The browser's
// language decides on the first visit; a choice made in the UI is remembered.
import i18n from 'i18next';
import { initReactI18next } from 'react-i18next';
import { en } from './en.ts';
import { zhCN } from './zh-CN.ts';
import { initialLanguage, languageStorageKey } from './initial-language.ts';
import { onServer } from '../rendered-state.ts';

export { languages } from './initial-language.ts';

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
// On the server (entry-server.tsx) each render uses its own instance in its view's language.
if (!onServer) {
  applyLanguage(i18n.language);
  i18n.on('languageChanged', (language) => {
    localStorage.setItem(languageStorageKey, language);
    applyLanguage(language);
  });
}
