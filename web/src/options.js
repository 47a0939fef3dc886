// What the backend accepts when a chat is created (functions/imagechat/config.py:
// MODEL_SPECS, ASPECT_RATIOS). tests/web/test_web_server.py keeps the two in step.

export const MODELS = [
  { id: 'gemini-2.5-flash-image', label: 'Gemini 2.5 Flash Image', sizes: ['1K'] },
  { id: 'gemini-3-pro-image-preview', label: 'Gemini 3 Pro Image (preview)', sizes: ['1K', '2K', '4K'] },
  { id: 'gemini-3.1-flash-image-preview', label: 'Gemini 3.1 Flash Image (preview)', sizes: ['1K', '2K', '4K'] },
];
export const DEFAULT_MODEL = 'gemini-2.5-flash-image';

export const ASPECT_RATIOS = ['1:1', '2:3', '3:2', '3:4', '4:3', '4:5', '5:4', '9:16', '16:9', '21:9'];
export const DEFAULT_ASPECT_RATIO = '1:1';

export const modelLabel = (id) => MODELS.find((m) => m.id === id)?.label ?? id;

// Upload limits of POST /api/upload/temp and of one message (docs/api.md): checked here too so
// that a wrong file is refused at once instead of after an upload.
export const UPLOAD_TYPES = ['image/png', 'image/jpeg', 'image/webp'];
export const MAX_UPLOAD_BYTES = 10 * 1024 * 1024;
export const MAX_IMAGES_PER_MESSAGE = 14;
