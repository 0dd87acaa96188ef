import { useEffect, useRef } from 'react';
import type { MediaSource, ParticipantInfo } from '@kaigi/protocol';
import { useI18n } from '../../i18n';
import type { MediaController } from '../../media/MediaController';
import type { MediaSnapshot, RemoteMedia, VideoTile } from '../../media/mediaTypes';
import { useStreamElement } from './useMedia';

function VideoView({
  stream,
  label,
  participantId,
  source,
  remote,
  mirrored,
}: {
  stream: MediaStream;
  label: string;
  participantId: string;
  source: MediaSource;
  remote: boolean;
  mirrored: boolean;
}) {
  const ref = useStreamElement<HTMLVideoElement>(stream);
  return (
    <video
      ref={ref}
      className={mirrored ? 'tile-video tile-mirrored' : 'tile-video'}
      muted
      autoPlay
      playsInline
      aria-label={label}
      data-participant-id={participantId}
      data-source={source}
      data-remote={remote ? 'true' : undefined}
    />
  );
}

function RemoteAudio({ media, name }: { media: RemoteMedia; name: string }) {
  const { t } = useI18n();
  const ref = useStreamElement<HTMLAudioElement>(media.stream);
  return (
    <audio
      ref={ref}
      autoPlay
      className="visually-hidden"
      aria-label={t('audioOf', { name })}
      data-participant-id={media.participantId}
      data-source={media.source}
    />
  );
}

interface Tile {
  key: string;
  participant: ParticipantInfo;
  source: 'camera' | 'screen';
  stream: MediaStream | null;
  isSelf: boolean;
  micOn: boolean;
}

function TileView({ tile, speaking }: { tile: Tile; speaking: boolean }) {
  const { t } = useI18n();
  const name = tile.participant.displayName;
  const screen = tile.source === 'screen';
  const classes = ['tile', screen ? 'tile-screen' : '', speaking ? 'tile-speaking' : ''].filter(Boolean).join(' ');
  return (
    <figure className={classes} aria-current={speaking ? 'true' : undefined} data-participant-id={tile.participant.id}>
      {tile.stream ? (
        <VideoView
          stream={tile.stream}
          label={t(screen ? 'screenOf' : 'videoOf', { name })}
          participantId={tile.participant.id}
          source={tile.source}
          remote={!tile.isSelf}
          mirrored={tile.isSelf && !screen}
        />
      ) : (
        <div className="tile-placeholder" aria-hidden="true">
          {Array.from(name)[0]?.toUpperCase() ?? '?'}
        </div>
      )}
      <div className="tile-badges">
        {speaking && <span className="badge badge-speaking">{t('speaking')}</span>}
        {!screen && !tile.micOn && <span className="badge badge-muted">{t('muted')}</span>}
      </div>
      <figcaption>
        {screen ? t('screenCaption', { name }) : name}
        {tile.isSelf && !screen && <span className="you"> {t('you')}</span>}
      </figcaption>
    </figure>
  );
}

function buildTiles(participants: ParticipantInfo[], selfId: string | null, snap: MediaSnapshot): Tile[] {
  const remote = (pid: string, source: MediaSource) =>
    snap.remote.find((m) => m.participantId === pid && m.source === source && m.kind === 'video')?.stream ?? null;
  const cameras: Tile[] = [];
  const screens: Tile[] = [];
  for (const p of participants) {
    const isSelf = p.id === selfId;
    const sources = snap.publishing.get(p.id) ?? [];
    cameras.push({
      key: `${p.id}:camera`,
      participant: p,
      source: 'camera',
      stream: isSelf ? snap.selfCamera : remote(p.id, 'camera'),
      isSelf,
      micOn: isSelf ? snap.local.microphone : sources.includes('microphone'),
    });
    const screen = isSelf ? snap.selfScreen : remote(p.id, 'screen');
    if (screen) screens.push({ key: `${p.id}:screen`, participant: p, source: 'screen', stream: screen, isSelf, micOn: true });
  }
  return [...screens, ...cameras];
}

/** One tile per participant (their camera or a placeholder) and per screen share, plus remote audio. */
export function VideoGrid({
  media,
  snap,
  participants,
}: {
  media: MediaController;
  snap: MediaSnapshot;
  participants: ParticipantInfo[];
}) {
  const { t } = useI18n();
  const gridRef = useRef<HTMLDivElement>(null);
  const tiles = buildTiles(participants, snap.selfId, snap);
  const names = new Map(participants.map((p) => [p.id, p.displayName]));
  const audio = snap.remote.filter((m) => m.kind === 'audio');
  const layoutKey = tiles.map((x) => `${x.key}:${x.stream ? 1 : 0}`).join(',');

  // Tell the SFU how large each remote video is shown, whenever the layout changes.
  useEffect(() => {
    const grid = gridRef.current;
    if (!grid) return;
    const report = () => {
      const out: VideoTile[] = [];
      for (const v of grid.querySelectorAll<HTMLVideoElement>('video[data-remote]')) {
        const participantId = v.dataset['participantId'];
        const source = v.dataset['source'];
        if (!participantId || (source !== 'camera' && source !== 'screen')) continue;
        const maxHeight = Math.min(4320, Math.round(v.clientHeight * (window.devicePixelRatio || 1)));
        out.push({ participantId, source, maxHeight });
      }
      media.setVideoPreferences(out);
    };
    report();
    const ro = new ResizeObserver(report);
    ro.observe(grid);
    return () => ro.disconnect();
  }, [media, layoutKey]);

  return (
    <section className="video-section" aria-label={t('videos')}>
      <div ref={gridRef} className={`video-grid video-grid-${Math.min(tiles.length, 9)}`}>
        {tiles.map((tile) => (
          <TileView key={tile.key} tile={tile} speaking={tile.source === 'camera' && snap.activeSpeaker === tile.participant.id} />
        ))}
      </div>
      {audio.map((m) => (
        <RemoteAudio key={m.key} media={m} name={names.get(m.participantId) ?? ''} />
      ))}
    </section>
  );
}
