import { useId } from 'react';
import type { MediaSource } from '@kaigi/protocol';
import { useI18n } from '../../i18n';
import type { StringKey } from '../../i18n/en';
import type { MediaController } from '../../media/MediaController';
import type { MediaSnapshot } from '../../media/mediaTypes';

const LABELS: Record<MediaSource, { on: StringKey; off: StringKey; notAllowed: StringKey }> = {
  microphone: { on: 'mute', off: 'unmute', notAllowed: 'notAllowedMicrophone' },
  camera: { on: 'stopVideo', off: 'startVideo', notAllowed: 'notAllowedCamera' },
  screen: { on: 'stopSharing', off: 'shareScreen', notAllowed: 'notAllowedScreen' },
};

function ToggleButton({ media, snap, source }: { media: MediaController; snap: MediaSnapshot; source: MediaSource }) {
  const { t } = useI18n();
  const whyId = useId();
  const on = snap.local[source];
  const allowed = media.allowed(source);
  const labels = LABELS[source];
  // A source that is on can always be turned off.
  const disabled = (!allowed && !on) || snap.busy !== null || !snap.active;
  const why = !allowed && !on ? t(labels.notAllowed) : '';
  return (
    <span className="media-toggle">
      <button
        type="button"
        className={on ? 'media-button media-on' : 'media-button'}
        disabled={disabled}
        title={why || undefined}
        aria-describedby={why ? whyId : undefined}
        data-source={source}
        onClick={() => void media.toggle(source, !on)}
      >
        {t(on ? labels.on : labels.off)}
      </button>
      {why && (
        <span id={whyId} className="media-why small muted">
          {why}
        </span>
      )}
    </span>
  );
}

/** Microphone, camera and screen sharing: one button each, disabled with the reason when not allowed. */
export function MediaToolbar({ media, snap }: { media: MediaController; snap: MediaSnapshot }) {
  const { t } = useI18n();
  return (
    <div role="toolbar" aria-label={t('mediaToolbar')} className="media-toolbar card">
      <ToggleButton media={media} snap={snap} source="microphone" />
      <ToggleButton media={media} snap={snap} source="camera" />
      <ToggleButton media={media} snap={snap} source="screen" />
    </div>
  );
}
