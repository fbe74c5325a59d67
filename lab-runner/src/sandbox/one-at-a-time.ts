// What both drivers promise LabManager (driver.ts): a start, suspend or remove of one lab waits for the one in
// progress, within this lab-runner. Operations of one key run in order, each after the previous settled (failed
// ones too); other keys do not wait.

export class OneAtATime {
  private readonly inFlight = new Map<string, Promise<unknown>>();

  run<T>(key: string, op: () => Promise<T>): Promise<T> {
    const run = (this.inFlight.get(key) ?? Promise.resolve()).then(op);
    const settled = run.catch(() => undefined);
    this.inFlight.set(key, settled);
    void settled.then(() => this.inFlight.get(key) === settled && this.inFlight.delete(key));
    return run;
  }
}
