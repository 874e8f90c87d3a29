export { UiApp, type UiAppOptions } from './ui-app.ts';
