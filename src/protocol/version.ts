// The release, in one place light enough for every process to import.
export const VERSION = '0.1.0';
