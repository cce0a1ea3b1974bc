/** A configuration problem that must stop start-up; `key` names the offending setting. */
export class ConfigurationError extends Error {
  constructor(
    readonly key: string,
    readonly problem: string,
  ) {
    super(`configuration error: ${key}: ${problem}`);
    this.name = 'ConfigurationError';
  }
}
