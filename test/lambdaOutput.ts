/**
 * What a Lambda writes (stdout and stderr, which Lambda ships to CloudWatch Logs), captured
 * while a test runs it in-process, and read back as CloudWatch would: JSON log lines, and the
 * EMF lines among them (the ones with an `_aws` member) that become metrics.
 */

export interface EmfLine {
  _aws: { Timestamp: number; CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][]; Metrics: Array<{ Name: string; Unit: string }> }> };
  [key: string]: unknown;
}

export interface CapturedOutput {
  /** Everything written to stdout and stderr so far. */
  output(): string;
  /** The JSON log lines, EMF lines excluded. */
  logs(): Array<Record<string, unknown>>;
  /** The EMF lines. */
  emf(): EmfLine[];
  /** Gives stdout and stderr back. */
  restore(): void;
}

export function captureLambdaOutput(): CapturedOutput {
  const written: string[] = [];
  const capture = (chunk: string | Uint8Array) => {
    written.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  };
  const spies = [jest.spyOn(process.stdout, 'write').mockImplementation(capture), jest.spyOn(process.stderr, 'write').mockImplementation(capture)];
  const output = () => written.join('');
  const lines = () =>
    output()
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  return {
    output,
    logs: () => lines().filter((line) => !('_aws' in line)),
    emf: () => lines().filter((line) => '_aws' in line) as EmfLine[],
    restore: () => spies.forEach((spy) => spy.mockRestore()),
  };
}

/** The value of each metric over all EMF lines: a metric's values add up, as CloudWatch sums them. */
export function metricTotals(lines: EmfLine[]): Record<string, number> {
  const totals: Record<string, number> = {};
  for (const line of lines) {
    for (const directive of line._aws.CloudWatchMetrics) {
      for (const { Name } of directive.Metrics) {
        const value = line[Name] as number | number[];
        totals[Name] = (totals[Name] ?? 0) + (Array.isArray(value) ? value.reduce((a, b) => a + b, 0) : value);
      }
    }
  }
  return totals;
}
