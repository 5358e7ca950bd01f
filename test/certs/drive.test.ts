// The driver that runs a rotation state machine to rest (src/certs/drive.ts),
// on a toy machine: reports in order, one effect at a time, failures fed back.
import t from 'tap';
import { drive } from '../../src/certs/drive.ts';
import type { Driver, Step } from '../../src/certs/drive.ts';

type Event = 'start' | 'fetched' | 'failed';
type Report = string;
type Effect = 'fetch';

function toy(perform: (effect: Effect) => Promise<Event>, report: (r: Report) => void = () => {}): { driver: Driver<Event, Report, Effect>; seen: Event[] } {
  const seen: Event[] = [];
  const steps: Record<Event, Step<Report, Effect>> = {
    start: { reports: ['starting'], effect: 'fetch' },
    fetched: { reports: ['fetched', 'done'] },
    failed: { reports: [] },
  };
  return {
    seen,
    driver: {
      apply(event) {
        seen.push(event);
        return steps[event];
      },
      report,
      perform,
      failed: 'failed',
    },
  };
}

t.test('reports are handled in order, the effect is performed and its event applied, until no effect is asked', async (t) => {
  const reports: string[] = [];
  const { driver, seen } = toy(async () => 'fetched', (r) => reports.push(r));
  await drive('start', driver);
  t.same(seen, ['start', 'fetched']);
  t.same(reports, ['starting', 'fetched', 'done']);
});

t.test('a failed effect is fed back as the failure event, then rethrown', async (t) => {
  const { driver, seen } = toy(async () => {
    throw new Error('store down');
  });
  await t.rejects(drive('start', driver), /store down/);
  t.same(seen, ['start', 'failed']);
});

t.test('a report handler that throws is a failure too', async (t) => {
  const { driver, seen } = toy(async () => 'fetched', (r) => {
    if (r === 'done') throw new Error('sink refused');
  });
  await t.rejects(drive('start', driver), /sink refused/);
  t.same(seen, ['start', 'fetched', 'failed']);
});
