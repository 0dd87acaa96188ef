import { useI18n } from '../../i18n';
import type { MediaController } from '../../media/MediaController';
import type { MediaSnapshot } from '../../media/mediaTypes';

/** Microphone and camera pickers; switching replaces the track being sent. */
export function DeviceSettings({ media, snap }: { media: MediaController; snap: MediaSnapshot }) {
  const { t } = useI18n();
  const kinds = [
    { kind: 'microphone' as const, label: t('microphone'), list: snap.devices.microphones, nth: 'microphoneN' as const },
    { kind: 'camera' as const, label: t('camera'), list: snap.devices.cameras, nth: 'cameraN' as const },
  ];
  return (
    <section className="card stack device-settings" aria-labelledby="settings-heading">
      <h2 id="settings-heading">{t('settings')}</h2>
      {kinds.map(({ kind, label, list, nth }) => (
        <div className="field" key={kind}>
          <label htmlFor={`device-${kind}`}>{label}</label>
          <select
            id={`device-${kind}`}
            value={snap.selected[kind]}
            onChange={(e) => void media.selectDevice(kind, e.target.value)}
          >
            <option value="">{t('defaultDevice')}</option>
            {list.map((d, i) => (
              <option key={d.deviceId} value={d.deviceId}>
                {d.label || t(nth, { n: i + 1 })}
              </option>
            ))}
          </select>
        </div>
      ))}
    </section>
  );
}
