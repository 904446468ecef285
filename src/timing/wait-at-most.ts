/**
 * Waits for `work` for at most `ms`: resolves once it settles (its result or
 * error is not kept: the caller only needs it to be over) or once the time is
 * up. For shutdown steps and probes that must not hang on a frozen server;
 * the timer never keeps the process alive.
 */
export function waitAtMost(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
    timer.unref();
  });
  return Promise.race([work.then(noop, noop), late]).finally(() => clearTimeout(timer));
}

function noop(): void {}
