import { useState, useSyncExternalStore } from 'react';
import { useI18n } from '../../i18n';
import { MediaPreviewError, type DeviceKind, type LocalPreview } from '../../media/preview';
import { useStreamElement } from './useMedia';

/** Camera and microphone toggles plus the muted local preview of what others will see. */
export function MediaPreview({ preview }: { preview: LocalPreview }) {
  const { t } = useI18n();
  const [busy, setBusy] = useState<DeviceKind | null>(null);
  const [failure, setFailure] = useState<MediaPreviewError | null>(null);

  const key = useSyncExternalStore(
    (fn) => preview.onChange(fn),
    () => `${preview.isOn('camera')}:${preview.isOn('mic')}`,
  );
  const cameraOn = key.startsWith('true');
  const micOn = key.endsWith('true');
  const videoRef = useStreamElement<HTMLVideoElement>(cameraOn ? preview.stream : null);

  const toggle = async (device: DeviceKind, on: boolean) => {
    setFailure(null);
    if (!on) {
      preview.turnOff(device);
      return;
    }
    setBusy(device);
    try {
      await preview.turnOn(device);
    } catch (e) {
      setFailure(e instanceof MediaPreviewError ? e : new MediaPreviewError(device, 'failed'));
    } finally {
      setBusy(null);
    }
  };

  let failureText = '';
  if (failure) {
    const device = t(failure.device === 'camera' ? 'deviceCamera' : 'deviceMic');
    failureText =
      failure.reason === 'denied'
        ? t('mediaDenied', { device })
        : failure.reason === 'notFound'
          ? t('mediaNotFound', { device })
          : failure.reason === 'unsupported'
            ? t('mediaUnsupported')
            : t('mediaFailed', { device });
  }

  return (
    <section className="preview" aria-labelledby="preview-heading">
      <h2 id="preview-heading">{t('previewTitle')}</h2>
      <div className={cameraOn ? 'preview-frame' : 'preview-frame preview-off'}>
        <video
          ref={videoRef}
          className="preview-video"
          muted
          playsInline
          autoPlay
          aria-label={t('previewVideoLabel')}
          hidden={!cameraOn}
        />
        {!cameraOn && <p className="preview-placeholder">{t('cameraOff')}</p>}
      </div>
      <p className="muted small">
        <span className={cameraOn ? 'pill pill-on' : 'pill'}>{t(cameraOn ? 'cameraOn' : 'cameraOff')}</span>{' '}
        <span className={micOn ? 'pill pill-on' : 'pill'}>{t(micOn ? 'micOn' : 'micOff')}</span>
      </p>
      {!cameraOn && !micOn && <p className="muted small">{t('previewHint')}</p>}
      <div className="button-row">
        <button type="button" disabled={busy !== null} onClick={() => void toggle('camera', !cameraOn)}>
          {t(cameraOn ? 'turnCameraOff' : 'turnCameraOn')}
        </button>
        <button type="button" disabled={busy !== null} onClick={() => void toggle('mic', !micOn)}>
          {t(micOn ? 'turnMicOff' : 'turnMicOn')}
        </button>
      </div>
      {failure && (
        <p className="error" role="alert">
          {failureText}
        </p>
      )}
    </section>
  );
}
