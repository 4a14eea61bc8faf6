export { fileCursorStore } from './file-cursor-store.js';
