// Progress goes to stderr so that the report on stdout stays clean enough to paste.
export function progress(message: string): void {
  process.stderr.write(`bench: ${message}\n`);
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
