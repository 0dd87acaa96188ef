import type { MediaSource } from '@kaigi/protocol';
import { useI18n } from '../../i18n';
import type { StringKey } from '../../i18n/en';
import type { MediaController } from '../../media/MediaController';
import type { MediaNotice as Notice } from '../../media/mediaTypes';

const BY_SOURCE: Record<'host' | 'permission' | 'forbidden', Record<MediaSource, StringKey>> = {
  host: { microphone: 'noticeHostMicrophone', camera: 'noticeHostCamera', screen: 'noticeHostScreen' },
  permission: {
    microphone: 'noticePermissionMicrophone',
    camera: 'noticePermissionCamera',
    screen: 'noticePermissionScreen',
  },
  forbidden: {
    microphone: 'noticeForbiddenMicrophone',
    camera: 'noticeForbiddenCamera',
    screen: 'noticeForbiddenScreen',
  },
};

const DEVICE: Record<MediaSource, StringKey> = { microphone: 'deviceMic', camera: 'deviceCamera', screen: 'deviceScreen' };

/** Why a source of ours stopped or could not start; a polite live region. */
export function MediaNotice({ media, notice }: { media: MediaController; notice: Notice | null }) {
  const { t } = useI18n();
  let text = '';
  if (notice) {
    const device = t(DEVICE[notice.source]);
    switch (notice.kind) {
      case 'host':
      case 'permission':
      case 'forbidden':
        text = t(BY_SOURCE[notice.kind][notice.source]);
        break;
      case 'entryMuted':
        text = t('noticeEntryMuted');
        break;
      case 'denied':
        text = t('mediaDenied', { device });
        break;
      case 'notFound':
        text = t('mediaNotFound', { device });
        break;
      case 'unsupported':
        text = t('mediaUnsupported');
        break;
      case 'failed':
        text = t('mediaFailed', { device });
        break;
    }
  }
  return (
    <div role="status" className={notice ? 'notice media-notice' : 'media-notice-empty'}>
      {notice && (
        <>
          <span>{text}</span>{' '}
          <button type="button" className="small-button" onClick={() => media.dismissNotice()}>
            {t('dismiss')}
          </button>
        </>
      )}
    </div>
  );
}
