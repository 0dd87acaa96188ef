import type { DataMap } from '@kaigi/protocol';
import { useRegistrationStrings } from './strings';

/** The data map's section on registrations (B3, E1): how many, what each holds, how long. */
export function DataMapRegistrations({ registrations }: { registrations: DataMap['registrations'] }) {
  const { s, fill } = useRegistrationStrings();
  const total = registrations.approved + registrations.pending + registrations.revoked;
  return (
    <section className="card stack" aria-labelledby="registrations-heading" data-testid="data-map-registrations">
      <h2 id="registrations-heading">{s.dataMapHeading}</h2>
      <p>{total === 0 ? s.dataMapNone : fill(s.dataMapCounts, registrations)}</p>
      <p className="muted small">{s.dataMapNote}</p>
    </section>
  );
}
