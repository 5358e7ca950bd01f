// Runs a rotation state machine (ca-machine.ts, serving-machine.ts) to rest:
// a step's reports are handled in order, its effect (at most one) is performed
// and what came of it is the next event, until a step asks for no effect. Any
// failure (an effect that threw, a report handler that threw) is fed back as
// the machine's failure event, so it always comes to rest, then rethrown.

export interface Step<Report, Effect> {
  reports: readonly Report[];
  effect?: Effect;
}

export interface Driver<Event, Report, Effect> {
  /** Steps the machine with the event (and the clock), keeps its new state, returns the step. */
  apply(event: Event): Step<Report, Effect>;
  report(report: Report): void;
  perform(effect: Effect): Promise<Event>;
  /** The event that tells the machine its effect failed. */
  failed: Event;
}

export async function drive<Event, Report, Effect>(first: Event, driver: Driver<Event, Report, Effect>): Promise<void> {
  try {
    let step = driver.apply(first);
    for (;;) {
      for (const report of step.reports) driver.report(report);
      if (step.effect === undefined) return;
      step = driver.apply(await driver.perform(step.effect));
    }
  } catch (err) {
    driver.apply(driver.failed);
    throw err;
  }
}
