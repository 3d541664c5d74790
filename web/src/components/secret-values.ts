// How the server shows a secret it holds: a placeholder object, never the value. Its own
// file so that a page that only masks secrets (the task page) does not load the map
// editor and its inputs with it.

export function isSecretPlaceholder(value: unknown): value is { secret: unknown } {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && 'secret' in value;
}
